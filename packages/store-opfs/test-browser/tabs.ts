// Opening and driving second pages (tab.html) from a test, and the browser commands of harness.ts, typed.
import { commands as untyped } from "vitest/browser";
import type { BlobGet, HarnessInfo } from "./harness.js";
import type { TabApi } from "./tab.js";

/** The browser commands harness.ts defines, as the page calls them. */
export const commands = untyped as unknown as {
  harness(): Promise<HarnessInfo>;
  cutThenHold(digest: string, bytes: number): Promise<void>;
  cutGet(digest: string, skip: number, bytes: number): Promise<void>;
  holdBlob(digest: string): Promise<void>;
  corruptBlob(digest: string, offset: number): Promise<void>;
  release(): Promise<void>;
  blobGets(digest: string): Promise<BlobGet[]>;
  allRequests(): Promise<string[]>;
};

/** Waits until `check` holds, polling every 50 ms for up to `ms` (generous: the machines running this are shared). */
export async function until(check: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A second page of this origin, open and ready. */
export interface Tab {
  readonly api: TabApi;
  reload(): Promise<void>;
  close(): void;
}

export async function openTab(): Promise<Tab> {
  const win = window.open(new URL("./tab.html", import.meta.url).href, "_blank");
  if (!win) throw new Error("the browser refused to open a page");
  const api = () => (win as unknown as { toci?: TabApi }).toci;
  await until(() => api()?.ready === true);
  return {
    get api() {
      return api() as TabApi;
    },
    async reload() {
      const before = api();
      win.location.reload();
      await until(() => api() !== before && api()?.ready === true);
    },
    close() {
      win.close();
    },
  };
}
