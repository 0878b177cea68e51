import type { Store } from "@toci/spec-types";
import { describeStore } from "@toci/testkit/store-suite";
import { memoryState, memoryStore } from "../src/index.js";

describeStore(
  "memory",
  async () => {
    const state = memoryState();
    return {
      store: memoryStore({ state }) satisfies Store,
      reopen: async () => memoryStore({ state }),
      corruptPartial: async (digest) => {
        const chunk = state.partials.get(digest)?.chunks[0];
        if (!chunk) throw new Error(`no partial for ${digest}`);
        chunk[0] = (chunk[0] ?? 0) ^ 0xff;
      },
      corruptBlob: async (digest) => {
        const chunk = state.blobs.get(digest)?.chunks[0];
        if (!chunk) throw new Error(`no blob ${digest}`);
        chunk[0] = (chunk[0] ?? 0) ^ 0xff;
      },
    };
  },
  { reopen: true, corruptPartial: true, corruptBlob: true, uploadState: true, sources: true },
);
