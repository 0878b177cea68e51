// A Store on the Origin Private File System (docs/architecture.md §2), laid out as an OCI image layout (internal/layout.ts).
// The page's main thread never blocks: blob bytes are written, hashed and committed by a dedicated worker this store
// starts itself (worker.ts), through sync access handles, the fast OPFS path (createWritable() on the main thread
// measured no faster than IndexedDB: docs/architecture.md §6.7); everything the page does itself is asynchronous (reads, index.json, gc).
// Tabs share the store safely through Web Locks: one per live writer, one for index.json, one per leased blob.
// This file wires the parts: ingest (internal/ingest.ts ↔ worker), blobs (blobs.ts), roots (index-json.ts), gc
// (gc.ts), upload state and sources (uploads.ts), what registries can do (abilities.ts).
import {
  type AbilityKeeper,
  type Digest,
  estimateWebStorage,
  guardWebStorage as guard,
  OciError,
  persistWebStorage,
  resolveStoredManifest,
  type SourceRecorder,
  type SpaceEstimator,
  type Store,
  tagRoots,
  type UploadStateKeeper,
  untagRoots,
  webLockLeases,
  wholeDigestBound,
  workerChannel,
} from "@toci/spec-types";
import { registryAbilities } from "./internal/abilities.js";
import { fetchBlob, hasBlob, readSmallBlob, removeBlobFile } from "./internal/blobs.js";
import { collectGarbage } from "./internal/gc.js";
import { findRoot, initLayout, listRoots, updateRoots } from "./internal/index-json.js";
import { openIngest } from "./internal/ingest.js";
import { type Layout, openLayout, rootName } from "./internal/layout.js";
import { leaseScope } from "./internal/locks.js";
import type { WorkerChannel, WorkerRequest } from "./internal/rpc.js";
import { forgetSources, sourceRecorder, uploadStates } from "./internal/uploads.js";
import { writerPool } from "./internal/writer-pool.js";

/** Options for {@link opfsStore}. */
export interface OpfsStoreOptions {
  /**
   * Where the store's worker script is, for apps whose bundler does not follow
   * `new Worker(new URL("./worker.js", import.meta.url))` in a dependency (the script is the package's
   * `@toci/store-opfs/worker` export).
   * @default the package's own dist/worker.js, next to this module
   */
  workerUrl?: string | URL;
  /**
   * How long a lease lasts without being taken again, in ms: every blob this store commits or finds present is
   * leased (a Web Lock), and gc() in another tab keeps what live leases name, so that a pull running there does not
   * lose its blobs before it names its root. A lease also ends with its tab and with close().
   * @default 86400000 (a day)
   */
  leaseTtl?: number;
  /**
   * Ask the browser to keep the site's storage under storage pressure (`navigator.storage.persist()`) when the store
   * opens; {@link OpfsStore.persisted} says whether it agreed. Browsers may decline, or ask the user.
   * @default false
   */
  persist?: boolean;
  /**
   * Blobs up to this size (bytes) are verified at commit by WebCrypto, over the file read back whole: 4–5 × faster
   * than hashing them as they are written (the platform has no streaming digest, so that is hash-wasm, in
   * JavaScript). The cost is memory: twice the blob's size in a writer worker for the length of the digest, one blob
   * at a time per worker (`writers`). Larger blobs, and every blob outside a secure context (no WebCrypto), are hashed as written.
   * 0 hashes every blob as it is written.
   * @default 134217728 (128 MiB)
   */
  wholeDigestMax?: number;
  /**
   * How many writer workers the store starts: its ingests are spread over them, so that the writes and commit-time
   * digests of blobs pulled together run on as many threads (a worker verifies one blob at a time). 1 to 8.
   * `@toci/store-opfs/in-worker` writes in its own thread and ignores this.
   * @default 2
   */
  writers?: number;
}

/**
 * A Store on OPFS that keeps upload sessions, blob sources and what registries can do, estimates its room, and can be
 * closed.
 */
export interface OpfsStore extends Store, UploadStateKeeper, SourceRecorder, SpaceEstimator, AbilityKeeper {
  /** The store's directory in the origin's private file system: `toci-<name>`. */
  readonly directoryName: string;
  /** Whether the browser agreed to persist the site's storage, when asked with `persist` (false otherwise). */
  readonly persisted: boolean;
  /**
   * Stops the store's worker and ends its leases. Writers still open lose their handles: what they wrote stays a
   * partial that the next ingest resumes. Later calls fail with `CLOSED`.
   */
  close(): Promise<void>;
}

/**
 * Opens (creating when absent) the OPFS store called `name`, in the directory `toci-<name>`. Its writes go through a
 * dedicated worker it starts (a nested one when this runs in a worker: see `@toci/store-opfs/in-worker` for a
 * store that writes in the worker it is made in).
 */
export function opfsStore(name: string, options: OpfsStoreOptions = {}): Promise<OpfsStore> {
  return openStore(name, options, () => startWorker(name, options.workerUrl), options.writers ?? DEFAULT_WRITERS);
}

/** Two writer threads: see `writers`, and internal/writer-pool.ts for the figures. */
const DEFAULT_WRITERS = 2;
/** More writers than this would only hold more memory (each a worker, with its own buffers and digests). */
const MAX_WRITERS = 8;

/** The store over channels to `writers` writer sides, started once the layout is there. */
export async function openStore(
  name: string,
  options: OpfsStoreOptions,
  start: () => Promise<WorkerChannel>,
  writers: number,
): Promise<OpfsStore> {
  const wholeDigestMax = wholeDigestBound(options.wholeDigestMax);
  if (!Number.isInteger(writers) || writers < 1 || writers > MAX_WRITERS) {
    throw new OciError("INVALID_ARGUMENT", `writers must be a whole number from 1 to ${MAX_WRITERS}, got ${writers}`);
  }
  const layout = await guard(`cannot open the OPFS store ${rootName(name)}`, async () => {
    const opened = await openLayout(name);
    await initLayout(opened);
    return opened;
  });
  const pool = await writerPool(start, writers);
  const persisted = options.persist ? await persistWebStorage() : false;
  // Blobs this store works with, kept from other tabs' gc until it names its root.
  const leases = webLockLeases(leaseScope(name), { ttl: options.leaseTtl });
  let closed = false;
  const open = () => {
    if (closed) throw new OciError("CLOSED", `the store ${layout.root.name} is closed`);
  };
  const io = <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    open();
    return guard(what, fn);
  };

  return {
    directoryName: layout.root.name,
    persisted,
    ...uploadStates(layout),
    ...sourceRecorder(layout),
    ...registryAbilities(layout),

    async close() {
      closed = true;
      leases.release();
      pool.close();
    },

    async exists(descriptor) {
      open();
      // Leased before looking: a pull that finds a blob present relies on it until it names its root.
      await leases.take(descriptor.digest);
      return guard("cannot read", () => hasBlob(layout, descriptor));
    },
    fetch: (descriptor, options) =>
      io(`cannot read ${descriptor.digest}`, () => fetchBlob(layout, descriptor, options)),
    async ingest(descriptor, options) {
      open();
      // Leased before the blob is looked for or committed, so a gc in another tab that missed the lease also
      // listed its blobs before this one was there.
      await leases.take(descriptor.digest);
      return pool.ingest((channel) => openIngest(channel, name, descriptor, { ...options, wholeDigestMax }));
    },
    ...rootMethods(layout, io),
    gc: (): Promise<Digest[]> => io("cannot collect garbage", () => collectGarbage(layout, leases)),
    estimateSpace: () => estimateWebStorage(),
  };
}

/** The methods over index.json's roots (and `remove`, which also drops a root), each through `io`. */
function rootMethods(layout: Layout, io: <T>(what: string, fn: () => Promise<T>) => Promise<T>) {
  return {
    resolve: (reference) =>
      io("cannot resolve", async () => {
        const root = await findRoot(layout, reference);
        if (root || typeof reference !== "string") return root;
        return resolveStoredManifest(reference, (digest) => readSmallBlob(layout, digest));
      }),
    tag: (descriptor, reference) =>
      io("cannot tag", () =>
        updateRoots(layout, (roots) => ({ roots: tagRoots(roots, descriptor, reference), result: undefined })),
      ),
    untag: (reference) =>
      io("cannot untag", () =>
        updateRoots(layout, (roots) => {
          const { roots: next, removed } = untagRoots(roots, reference);
          return { roots: removed ? next : roots, result: removed };
        }),
      ),
    list: () => io("cannot list roots", () => listRoots(layout)),
    remove: (descriptor) =>
      io(`cannot remove ${descriptor.digest}`, async () => {
        const untagged = await updateRoots(layout, (roots) => {
          const next = roots.filter((r) => r.digest !== descriptor.digest);
          return { roots: next.length === roots.length ? roots : next, result: next.length !== roots.length };
        });
        const removed = await removeBlobFile(layout, descriptor.digest); // validates the digest first
        await forgetSources(layout, descriptor.digest);
        return removed || untagged;
      }),
  } satisfies Partial<Store>;
}

/**
 * Starts the store's worker and waits for its first answer, so that a worker script that cannot load fails the
 * open with a clear STORE error instead of every later write.
 */
async function startWorker(name: string, url: string | URL | undefined): Promise<WorkerChannel> {
  if (typeof Worker !== "function") throw new OciError("STORE", "the OPFS store needs Web Workers");
  // The literal `new URL("./worker.js", import.meta.url)` is what bundlers (vite, webpack 5, esbuild's plugins)
  // recognise to ship the worker; keep it literal, and its options too: vite's build refuses options it cannot
  // read statically ("unable to parse the worker options"), a template literal included.
  const worker = url
    ? new Worker(url, { type: "module", name: `toci-opfs ${name}` })
    : new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "toci-opfs" });
  const channel = workerChannel<WorkerRequest>(worker, {
    worker: `the worker of the OPFS store ${rootName(name)}`,
    store: rootName(name),
    silent: "it did not start",
  });
  try {
    await channel.call({ op: "ping" });
  } catch (error) {
    channel.close();
    throw error;
  }
  return channel;
}
