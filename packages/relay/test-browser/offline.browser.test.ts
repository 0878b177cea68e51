// Offline, in Chromium: an artifact pulled through the relay into IndexedDB, then the relay stopped (the registry
// is out of reach), and its files served by serveContent() in a service worker: an HTML page loads from the store,
// and so does the module script it imports.
import { Client } from "@toci/client";
import type { TransferEvent } from "@toci/spec-types";
import { indexedDbStore } from "@toci/store-indexeddb";
import { fetchTransport } from "@toci/transport-fetch";
import { expect, inject, it } from "vitest";
import { commands } from "vitest/browser";
import { artifactFiles } from "./content.js";

declare module "vitest/browser" {
  interface BrowserCommands {
    stopOfflineRelay: () => Promise<void>;
  }
}

const setup = inject("relay");

async function last(events: AsyncIterable<TransferEvent>): Promise<TransferEvent> {
  let end: TransferEvent | undefined;
  for await (const e of events) end = e;
  return end!;
}

/** Loads `src` in an iframe and resolves with the first message it posts carrying `key`. */
function frameMessage(src: string, key: string): { frame: HTMLIFrameElement; message: Promise<unknown> } {
  const frame = document.createElement("iframe");
  const message = new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      if (event.data?.[key] === undefined) return;
      window.removeEventListener("message", onMessage);
      resolve(event.data[key]);
    };
    window.addEventListener("message", onMessage);
  });
  frame.src = src;
  document.body.append(frame);
  return { frame, message };
}

/** Resolves when the registration's worker is active (`serviceWorker.ready` waits for one controlling this page). */
function activated(registration: ServiceWorkerRegistration): Promise<void> {
  const worker = registration.installing ?? registration.waiting ?? registration.active!;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (worker.state === "activated") resolve();
      if (worker.state === "redundant") reject(new Error("the service worker failed to install"));
    };
    worker.addEventListener("statechange", check);
    check();
  });
}

it("serves an artifact's files from IndexedDB in a service worker, with the registry out of reach", async () => {
  {
    await using client = new Client({ transport: fetchTransport(), store: await indexedDbStore("toci-relay-offline") });
    const repo = client
      .registry(`${setup.offlineRelayUrl}/reg`, { auth: { type: "basic", ...setup.credentials } })
      .repo("demo/files");
    expect(await last(repo.pull("v1"))).toMatchObject({ type: "progress", percent: 100 });
  }
  await commands.stopOfflineRelay();
  await expect(fetch(`${setup.offlineRelayUrl}/reg/v2/`)).rejects.toThrow(TypeError);

  const registration = await navigator.serviceWorker.register("/test-browser/sw.ts", {
    type: "module",
    scope: "/test-browser/",
  });
  try {
    await activated(registration);
    const { frame, message } = frameMessage("/test-browser/content/demo/files/v1/page.html", "offline");
    try {
      // page.html came from the store, and the module script it loads (./app.js) too: it ran.
      expect(await message).toBe("ran offline");
      const win = frame.contentWindow as Window & typeof globalThis;
      const hello = await win.fetch("hello.txt");
      expect(await hello.text()).toBe(artifactFiles["hello.txt"]);
      expect(hello.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      const part = await win.fetch("hello.txt", { headers: { range: "bytes=6-9" } });
      expect([part.status, await part.text()]).toEqual([206, "from"]);
      const listing = (await (await win.fetch("./")).json()) as { files: { name: string }[] };
      expect(listing.files.map((f) => f.name).sort()).toEqual(Object.keys(artifactFiles).sort());
      expect((await win.fetch("missing.txt")).status).toBe(404);
    } finally {
      frame.remove();
    }
  } finally {
    await registration.unregister();
  }
});
