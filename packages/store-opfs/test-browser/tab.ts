// A second page of the test's origin (opened with window.open, reloaded, closed): it pulls into an OPFS store with
// the real client and fetch transport, as an app would, and reports what happened through `window.toci`.
import { Client } from "@toci/client";
import { provideHashWasm } from "@toci/spec-types";
import { fetchTransport } from "@toci/transport-fetch";
import { createSHA256, createSHA512 } from "hash-wasm";
import { type OpfsStore, opfsStore } from "../dist/index.js";

// This page is not vitest's runner, whose transform wraps every import() in a helper only the runner page defines:
// the page's hasher gets hash-wasm handed over instead of importing it on first use.
provideHashWasm({ createSHA256, createSHA512 });

/** What the test reads and calls on this page. */
export interface TabApi {
  ready: boolean;
  /** Bytes the current pull reported. */
  progress: number;
  pull(options: { registry: string; repo: string; tag: string; store: string }): Promise<PullOutcome>;
  gc(store: string): Promise<string[]>;
}

export interface PullOutcome {
  state: "done" | "failed";
  code?: string;
  message?: string;
  /** What the last progress event said the pull moved over the network. */
  transferred?: number;
}

const stores = new Map<string, Promise<OpfsStore>>();
const store = (name: string): Promise<OpfsStore> => {
  let opened = stores.get(name);
  if (!opened) {
    opened = opfsStore(name);
    stores.set(name, opened);
  }
  return opened;
};

const api: TabApi = {
  ready: false,
  progress: 0,
  async pull({ registry, repo, tag, store: name }) {
    // No HTTP cache: registries let blobs be cached for a year, and a second pull of a blob would come from the
    // browser's cache instead of the registry whose faults the tests script (and keep a second copy of every byte).
    const transport = fetchTransport({ fetch: (input, init) => fetch(input, { ...init, cache: "no-store" }) });
    const client = new Client({ transport, store: await store(name) });
    for await (const event of client.registry(registry).repo(repo).pull(tag)) {
      if (event.type === "failed") return { state: "failed", code: event.error.code, message: event.error.message };
      api.progress = event.bytes;
      if (event.percent === 100) return { state: "done", transferred: event.transferredBytes };
    }
    return { state: "failed", message: "the pull ended without a terminal event" };
  },
  async gc(name) {
    return (await store(name)).gc();
  },
};
(window as unknown as { toci: TabApi }).toci = api;
api.ready = true;
