// A Store in IndexedDB, for browsers (docs/architecture.md §2). One database, `toci-<name>`, with one object store per key
// space (internal/database.ts; the README has the layout):
//   chunks    [digest, ingestId, i] -> Blob      a blob's bytes in order, one segment each (the last may be short)
//   blobs     digest -> BlobRecord               the commit marker: written last, only after verification
//   partials  [digest, ingestId] -> PartialRecord  an ingest in progress or closed, updated with every segment
//   roots     "index" -> Descriptor[]            what index.json holds in a layout
//   uploads   key -> UploadState                 push sessions (UploadStateKeeper)
//   sources   digest -> string[]                 repositories a blob came from (SourceRecorder)
// This file wires the parts: ingest (internal/ingest.ts, internal/segments.ts), committed blobs (blobs.ts), roots
// (roots.ts), gc (gc.ts), upload state and sources (uploads.ts), leases (Web Locks, from @toci/spec-types).
import {
  type Digest,
  estimateWebStorage,
  guardWebStorage as guard,
  OciError,
  persistWebStorage,
  type RootPredicate,
  type SourceRecorder,
  type SpaceEstimator,
  type Store,
  type UploadStateKeeper,
  webLockLeases,
  wholeDigestBound,
} from "@toci/spec-types";
import { blobRecord, fetchBlob, removeBlob } from "./internal/blobs.js";
import { openDatabase } from "./internal/database.js";
import { collectGarbage } from "./internal/gc.js";
import { defaultWholeDigestMax, openIngest } from "./internal/ingest.js";
import { listRoots, resolveRoot, tagRoot, untagRoot } from "./internal/roots.js";
import { sourceRecorder, uploadStates } from "./internal/uploads.js";
import type { WriterWorker } from "./writer-worker.js";

/** Options for {@link indexedDbStore}. */
export interface IndexedDbStoreOptions {
  /**
   * Bytes per stored value (a segment of a blob, one `Blob`). Larger is faster (fewer values, fewer transactions;
   * the bytes go to the browser's blob storage, not the JS heap), smaller loses less when a page dies mid-blob: an
   * ingest resumes from its last stored segment.
   * @default 67108864 (64 MiB)
   */
  chunkSize?: number;
  /** The IndexedDB factory. @default globalThis.indexedDB */
  indexedDB?: IDBFactory;
  /**
   * Hash and store blob bytes in a dedicated worker (`writerWorker(url)` from `@toci/store-indexeddb/writer-worker`),
   * started on the first ingest: the page then only reads the responses and transfers 2 MiB buffers to it, and its
   * main thread stays free while the worker hashes and stores on another core. The total work is the same: on a
   * machine whose cores are all busy it is no faster (README). Ignored where `Worker` is missing or with an
   * `indexedDB` factory of its own.
   * @default none: ingests run on the page
   */
  worker?: WriterWorker;
  /**
   * How long a lease lasts without being taken again, in ms: every blob this store commits or finds present is
   * leased (a Web Lock), and gc() in another tab keeps what live leases name, so that a pull running there does not
   * lose its blobs before it names its root. A lease also ends with its tab and with close().
   * @default 86400000 (a day)
   */
  leaseTtl?: number;
  /**
   * Ask the browser to keep the site's storage under storage pressure (`navigator.storage.persist()`) when the store
   * opens; {@link IndexedDbStore.persisted} says whether it agreed. Browsers may decline, or ask the user.
   * @default false
   */
  persist?: boolean;
  /**
   * Blobs up to this size (bytes) are verified at commit by WebCrypto, over their stored segments read back whole,
   * rather than hashed as they are written (the platform has no streaming digest, so that is hash-wasm, in
   * JavaScript): a pull in a worker ran 1.3 × faster with it here. The cost is memory, twice the blob's size for the
   * length of the digest, and, on a page, its main thread: Chromium digests on the calling thread, a task of ~90 ms
   * per 64 MiB, and a pull on the page ran no faster. Larger blobs, and every blob outside a secure context (no
   * WebCrypto), are hashed as written. 0 hashes every blob as it is written.
   * @default 134217728 (128 MiB) where ingests run in a worker (the writer worker, or a store made in a worker);
   * 0 on a page's main thread
   */
  wholeDigestMax?: number;
}

/** A Store in IndexedDB that keeps upload sessions and blob sources, estimates its room, and can be closed. */
export interface IndexedDbStore extends Store, UploadStateKeeper, SourceRecorder, SpaceEstimator {
  /** The database's name. */
  readonly databaseName: string;
  /** Whether the browser agreed to persist the site's storage, when asked with `persist` (false otherwise). */
  readonly persisted: boolean;
  /**
   * Closes the database connection, stops the store's worker and ends this store's leases. Writers still open lose
   * their worker: what it stored stays a partial that the next ingest resumes. Later calls fail with `CLOSED`.
   */
  close(): Promise<void>;
}

/** Why 64 MiB: the segment size measured fastest (Chromium 156, on-disk profile; see the README). */
const DEFAULT_SEGMENT = 64 * 1024 * 1024;

/** The database name of a store called `name`. */
export function databaseName(name: string): string {
  return `toci-${name}`;
}

/** Opens (creating when absent) the IndexedDB store called `name`. */
export async function indexedDbStore(name: string, options: IndexedDbStoreOptions = {}): Promise<IndexedDbStore> {
  const factory = options.indexedDB ?? globalThis.indexedDB;
  if (!factory) throw new OciError("STORE", "IndexedDB is not available in this runtime");
  const segmentSize = options.chunkSize ?? DEFAULT_SEGMENT;
  if (!Number.isSafeInteger(segmentSize) || segmentSize < 1) {
    throw new OciError("INVALID_ARGUMENT", `chunkSize must be a positive byte count, got ${segmentSize}`);
  }
  // Validated here; when absent, each place an ingest runs takes its own default (defaultWholeDigestMax).
  const wholeDigestMax = options.wholeDigestMax === undefined ? undefined : wholeDigestBound(options.wholeDigestMax);
  const db = await openDatabase(factory, databaseName(name));
  const persisted = options.persist ? await persistWebStorage() : false;
  // Blobs this store works with, kept from other tabs' gc until it names its root.
  const leases = webLockLeases(db.name, { ttl: options.leaseTtl });
  const worker =
    options.worker && !options.indexedDB && typeof Worker === "function"
      ? options.worker.start(db.name, segmentSize, wholeDigestMax)
      : undefined;

  return {
    databaseName: db.name,
    persisted,
    ...uploadStates(db),
    ...sourceRecorder(db),

    async close() {
      leases.release();
      worker?.close();
      db.close();
    },

    async exists(descriptor) {
      // Leased before looking: a pull that finds a blob present relies on it until it names its root.
      await leases.take(descriptor.digest);
      return guard("cannot read", async () => (await blobRecord(db, descriptor.digest))?.size === descriptor.size);
    },

    async fetch(descriptor, options) {
      return guard(`cannot read ${descriptor.digest}`, () => fetchBlob(db, descriptor, options));
    },

    async ingest(descriptor, options) {
      // Leased before the blob is looked for or committed, so a gc in another tab that missed the lease also
      // listed its blobs before this one was there.
      await leases.take(descriptor.digest);
      return guard(`cannot start the ingest of ${descriptor.digest}`, async () => {
        const ctx = { db, segmentSize, wholeDigestMax: wholeDigestMax ?? defaultWholeDigestMax() };
        return worker ? worker.ingest(descriptor, options) : openIngest(ctx, descriptor, options);
      });
    },

    async resolve(reference: string | RootPredicate) {
      return guard("cannot resolve", () => resolveRoot(db, reference));
    },

    async tag(descriptor, reference) {
      await guard("cannot tag", () => tagRoot(db, descriptor, reference));
    },

    async untag(reference) {
      return guard("cannot untag", () => untagRoot(db, reference));
    },

    async list() {
      return guard("cannot list roots", () => listRoots(db));
    },

    async remove(descriptor) {
      return guard(`cannot remove ${descriptor.digest}`, () => removeBlob(db, descriptor.digest));
    },

    async gc(): Promise<Digest[]> {
      return guard("cannot collect garbage", () => collectGarbage(db, leases));
    },

    async estimateSpace() {
      return estimateWebStorage();
    },
  };
}
