// The one conformance suite every Store runs (docs/architecture.md §2, §4 item 4): memory, fs on disk, fs on
// memfs, IndexedDB under fake-indexeddb and IndexedDB in Chromium all pass the same cases. Capability flags skip
// cases a set-up cannot express (corrupting stored bytes, reopening); they never fork the suite.
// Runtime-neutral on purpose (no node: imports): it also runs in a real browser under vitest browser mode.
import type { Digest, Store } from "@toci/spec-types";
import { afterEach, beforeEach, describe } from "vitest";
import { blobs } from "./internal/store-cases/blobs.js";
import { bodyWriter } from "./internal/store-cases/body-writer.js";
import type { StoreContext } from "./internal/store-cases/context.js";
import { removeAndGc } from "./internal/store-cases/gc.js";
import { MiB } from "./internal/store-cases/helpers.js";
import { ingestLifecycle } from "./internal/store-cases/ingest.js";
import { ownership } from "./internal/store-cases/ownership.js";
import { roots } from "./internal/store-cases/roots.js";
import { sources } from "./internal/store-cases/sources.js";
import { uploadState } from "./internal/store-cases/upload-state.js";
import { verification } from "./internal/store-cases/verification.js";

export {
  byteBody,
  describeBytes,
  describePattern,
  expectCode,
  fetchBytes,
  type Image,
  ingestPastQuota,
  pattern,
  put,
  putImage,
  putJson,
  putReferrer,
  randomBytes,
  writePattern,
} from "./internal/store-cases/helpers.js";

/** A store made for one test, with the hooks some cases need. */
export interface StoreUnderTest {
  store: Store;
  /** Opens the same storage again, as a restarted process or a reloaded page would. */
  reopen?: () => Promise<Store>;
  /** Changes one byte of the partial ingest the store keeps for `digest` (the partial must exist). */
  corruptPartial?: (digest: Digest) => Promise<void>;
  /** Changes one byte of the committed blob `digest`, behind the store's back. */
  corruptBlob?: (digest: Digest) => Promise<void>;
  /**
   * Counts what the storage holds of partial ingests of `digest` (files, records), behind the store's back: cases
   * that leave nothing check it is 0 when the set-up has it.
   */
  leftovers?: (digest: Digest) => Promise<number>;
  /** Releases what the set-up made (temp dirs, databases). */
  dispose?: () => Promise<void>;
}

/**
 * A set-up for a store opened by name (a database, a directory): the first `open()` is the store under test,
 * `reopen` opens the same name again, and `dispose` closes every store opened, then calls `remove`.
 */
export async function reopenableStore(
  open: () => Promise<Store & { close(): Promise<void> }>,
  hooks: Pick<StoreUnderTest, "corruptPartial" | "corruptBlob" | "leftovers"> & { remove: () => Promise<void> },
): Promise<StoreUnderTest> {
  const opened = [await open()];
  const { remove, ...peek } = hooks;
  return {
    store: opened[0] as Store,
    reopen: async () => {
      const again = await open();
      opened.push(again);
      return again;
    },
    ...peek,
    dispose: async () => {
      for (const store of opened) await store.close();
      await remove();
    },
  };
}

/** What a set-up can do; a case whose capability is off is skipped, and reported as skipped. */
export interface StoreCapabilities {
  /**
   * Size of the streamed round trip, in bytes; 0 skips it.
   * @default 67108864 (64 MiB)
   */
  largeBlobBytes?: number;
  /** The storage outlives the store object: partial ingests and roots survive {@link StoreUnderTest.reopen}. */
  reopen?: boolean;
  /** {@link StoreUnderTest.corruptPartial} is available. */
  corruptPartial?: boolean;
  /** {@link StoreUnderTest.corruptBlob} is available. */
  corruptBlob?: boolean;
  /** The store implements UploadStateKeeper. */
  uploadState?: boolean;
  /** The store implements SourceRecorder. */
  sources?: boolean;
  /** The store's ingests take a body whole (spec-types' BodyWriter). */
  bodyWriter?: boolean;
  /**
   * Timeout of the large-blob case, in ms (IndexedDB under fake-indexeddb is slow).
   * @default 120000
   */
  largeBlobTimeout?: number;
}

/** Every capability but the large-blob settings: a store that persists by name and keeps every optional ability. */
export const PERSISTENT_STORE: StoreCapabilities = {
  reopen: true,
  corruptPartial: true,
  corruptBlob: true,
  uploadState: true,
  sources: true,
};

/** Registers the conformance suite for one store set-up. `makeStore` is called once per case. */
export function describeStore(
  name: string,
  makeStore: () => Promise<StoreUnderTest>,
  capabilities: StoreCapabilities = {},
): void {
  const large = capabilities.largeBlobBytes ?? 64 * MiB;

  describe(`Store conformance: ${name}`, () => {
    let t: StoreUnderTest;
    let store: Store;
    beforeEach(async () => {
      t = await makeStore();
      store = t.store;
      for (const hook of ["reopen", "corruptPartial", "corruptBlob"] as const) {
        if (capabilities[hook] && !t[hook]) throw new Error(`capability ${hook} is on but the set-up has no hook`);
      }
    });
    afterEach(async () => {
      await t.dispose?.();
    });

    const ctx: StoreContext = { capabilities, large, current: () => ({ store, t }) };
    blobs(ctx);
    verification(ctx);
    ingestLifecycle(ctx);
    ownership(ctx);
    roots(ctx);
    removeAndGc(ctx);
    sources(ctx);
    uploadState(ctx);
    bodyWriter(ctx);
  });
}
