// A Store in IndexedDB, for browsers (docs/architecture.md §2). One database, `toci-<name>`, with one object store per key
// space:
//   chunks    [digest, ingestId, i] -> Blob      a blob's bytes in order, `chunkSize` each (the last may be short)
//   blobs     digest -> BlobRecord               the commit marker: written last, only after verification
//   partials  [digest, ingestId] -> PartialRecord  an ingest in progress or closed, updated with every chunk
//   roots     "index" -> Descriptor[]            what index.json holds in a layout
//   uploads   key -> UploadState                 push sessions (UploadStateKeeper)
//   sources   digest -> string[]                 repositories a blob came from (SourceRecorder)
// idb-keyval (6.3.0) does the single-store reads and writes, through a UseStore over this database. It cannot
// create several object stores in one database (createStore opens version 1 with the one store it names), and
// a commit must touch chunks, blobs and partials in ONE transaction, so the database is opened here and the
// multi-store transactions are raw IndexedDB.
//
// Why Blob values (docs/architecture.md §6 item 6): Chromium reads Blob values back faster than Uint8Array
// ones (70 vs 46 MB/s at 4 MiB) and stores each as a file; bytes that come through JS cost 3-4 copies whatever
// the value type. Why 16 MiB chunks: measured with bench-browser/chunk-size.test.ts (Chromium 156, on-disk
// profile, 64 MiB random blob, medians of 3, two runs): write 37-74 / 43-96 / 63-66 / 99-99 MB/s and read
// 109-120 / 94-139 / 87-128 / 154-166 MB/s for 1 / 4 / 8 / 16 MiB chunks; an earlier survey of every path found the
// same order (16 MiB best for awaited writes). The cost is one 16 MiB buffer per writer, sized down for smaller
// blobs.
import {
  createHasher,
  createVerifier,
  type Descriptor,
  type Digest,
  digestMismatch,
  findRoot,
  type Hasher,
  type Ingest,
  type IngestOptions,
  isOciError,
  manifestDescriptor,
  OciError,
  presentIngest,
  type RootPredicate,
  reachable,
  referenceDigest,
  requireVerifiable,
  type SourceRecorder,
  type Store,
  sizeMismatch,
  tagRoots,
  type UploadState,
  type UploadStateKeeper,
  untagRoots,
} from "@toci/spec-types";
import { del, entries, get, promisifyRequest, set, type UseStore, update } from "idb-keyval";
import { leases } from "./internal/leases.js";

/** Options for {@link indexedDbStore}. */
export interface IndexedDbStoreOptions {
  /**
   * Bytes per stored chunk. Larger is faster (fewer values, fewer transactions) but each writer buffers one chunk.
   * @default 16777216 (16 MiB)
   */
  chunkSize?: number;
  /** The IndexedDB factory. @default globalThis.indexedDB */
  indexedDB?: IDBFactory;
  /**
   * How long a lease lasts without being taken again, in ms: every blob this store commits or finds present is
   * leased (a Web Lock), and gc() in another tab keeps what live leases name, so that a pull running there does not
   * lose its blobs before it names its root. A lease also ends with its tab and with close().
   * @default 86400000 (a day)
   */
  leaseTtl?: number;
}

/** A Store in IndexedDB that keeps upload sessions and blob sources, and can be closed. */
export interface IndexedDbStore extends Store, UploadStateKeeper, SourceRecorder {
  /** The database's name. */
  readonly databaseName: string;
  /** Closes the database connection. Later calls fail with `CLOSED`. */
  close(): Promise<void>;
}

/** The commit marker of a blob. */
export interface BlobRecord {
  size: number;
  ingestId: string;
  count: number;
}

/** An ingest's progress; `owner` is the writer that holds it now. */
export interface PartialRecord {
  size: number;
  count: number;
  owner: string;
  closed: boolean;
  updatedAt: number;
}

const DB_VERSION = 1;
const STORES = ["chunks", "blobs", "partials", "roots", "uploads", "sources"] as const;
type StoreName = (typeof STORES)[number];
const ROOTS_KEY = "index";
const MAX_MANIFEST = 4 * 1024 * 1024;
/** How long an open partial that no live writer holds is spared by gc (see gc). */
const FRESH_PARTIAL_MS = 10_000;
/** Writers alive in this realm, by ingestId; other tabs' writers are known through Web Locks. */
const liveIngests = new Set<string>();

/** The database name of a store called `name`. */
export function databaseName(name: string): string {
  return `toci-${name}`;
}

/** Opens (creating when absent) the IndexedDB store called `name`. */
export async function indexedDbStore(name: string, options: IndexedDbStoreOptions = {}): Promise<IndexedDbStore> {
  const factory = options.indexedDB ?? globalThis.indexedDB;
  if (!factory) throw new OciError("STORE", "IndexedDB is not available in this runtime");
  const chunkSize = options.chunkSize ?? 16 * 1024 * 1024;
  const dbName = databaseName(name);
  let db: IDBDatabase | undefined = await idb("cannot open the database", () => openDatabase(factory, dbName));
  // Blobs this store works with, kept from other tabs' gc until it names its root (internal/leases.ts).
  const lease = leases(dbName, locks(), options.leaseTtl);

  const database = (): IDBDatabase => {
    if (!db) throw new OciError("CLOSED", `the store ${dbName} is closed`);
    return db;
  };
  const useStore =
    (storeName: StoreName): UseStore =>
    (mode, callback) =>
      Promise.resolve().then(() => callback(database().transaction(storeName, mode).objectStore(storeName)));
  const stores = {
    chunks: useStore("chunks"),
    blobs: useStore("blobs"),
    partials: useStore("partials"),
    roots: useStore("roots"),
    uploads: useStore("uploads"),
    sources: useStore("sources"),
  };
  /** One transaction over several object stores; resolves when it commits, rejects with STORE when it aborts. */
  const transact = async <T>(
    names: StoreName[],
    body: (tx: IDBTransaction) => T | Promise<T>,
    durability: IDBTransactionDurability = "default",
  ): Promise<T> => {
    const tx = database().transaction(names, "readwrite", { durability });
    const done = promisifyRequest(tx);
    let result: T;
    try {
      result = await body(tx);
    } catch (error) {
      try {
        tx.abort();
      } catch {
        // already finished
      }
      await done.catch(() => {});
      throw error;
    }
    await done;
    return result;
  };

  const ctx: Context = { stores, transact, chunkSize };

  const readRecordBytes = async (digest: Digest, record: BlobRecord): Promise<Uint8Array> => {
    const out = new Uint8Array(record.size);
    let at = 0;
    for (let i = 0; i < record.count; i++) {
      const chunk = await readChunk(stores.chunks, [digest, record.ingestId, i]);
      out.set(chunk.subarray(0, Math.max(0, Math.min(chunk.length, out.length - at))), at);
      at += chunk.length;
    }
    return out;
  };
  const blobRecord = (digest: string) => get<BlobRecord>(digest, stores.blobs);
  const rootsOf = async () => (await get<Descriptor[]>(ROOTS_KEY, stores.roots)) ?? [];

  return {
    databaseName: dbName,

    async close() {
      lease.release();
      db?.close();
      db = undefined;
    },

    async exists(descriptor) {
      // Leased before looking: a pull that finds a blob present relies on it until it names its root.
      await lease.take(descriptor.digest);
      return idb("cannot read", async () => (await blobRecord(descriptor.digest))?.size === descriptor.size);
    },

    async fetch(descriptor, options = {}) {
      const record = await idb("cannot read", () => blobRecord(descriptor.digest));
      if (!record) {
        throw new OciError("NOT_FOUND", `blob ${descriptor.digest} is not in ${dbName}`, {
          detail: { digest: descriptor.digest },
        });
      }
      const verifier = await createVerifier(descriptor);
      let next = 0;
      // One chunk in memory at a time, read when the consumer pulls: a 1 GiB blob is never held whole.
      const source = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            try {
              if (options.signal?.aborted) {
                throw new OciError("ABORTED", "the read was aborted", { cause: options.signal.reason });
              }
              if (next >= record.count) {
                controller.close();
                return;
              }
              controller.enqueue(await readChunk(stores.chunks, [descriptor.digest, record.ingestId, next++]));
            } catch (error) {
              controller.error(storeError(error, `cannot read ${descriptor.digest}`));
            }
          },
        },
        { highWaterMark: 0 }, // no read-ahead beyond what the verifier's queue takes: chunks are up to chunkSize
      );
      return source.pipeThrough(verifier);
    },

    async ingest(descriptor, options) {
      // Leased before the blob is looked for or committed, so a gc in another tab that missed the lease also
      // listed its blobs before this one was there.
      await lease.take(descriptor.digest);
      return idb(`cannot start the ingest of ${descriptor.digest}`, () => openIngest(ctx, descriptor, options));
    },

    async resolve(reference: string | RootPredicate) {
      return idb("cannot resolve", async () => {
        const root = findRoot(await rootsOf(), reference);
        if (root) return root;
        const digest = typeof reference === "string" ? referenceDigest(reference) : undefined;
        const record = digest && (await blobRecord(digest));
        if (!digest || !record || record.size > MAX_MANIFEST) return undefined;
        const hasher = await createHasher(requireVerifiable(digest));
        const bytes = await readRecordBytes(digest, record);
        hasher.update(bytes);
        // Verified before it is described: a resolve by digest must not vouch for corrupt bytes.
        return hasher.digest() === digest ? manifestDescriptor(digest, bytes) : undefined;
      });
    },

    async tag(descriptor, reference) {
      // idb-keyval's update is one readwrite transaction: concurrent tags, in this tab or another, queue.
      let failure: unknown;
      await idb("cannot tag", () =>
        update<Descriptor[]>(
          ROOTS_KEY,
          (roots) => {
            try {
              return tagRoots(roots ?? [], descriptor, reference);
            } catch (error) {
              failure = error;
              return roots ?? [];
            }
          },
          stores.roots,
        ),
      );
      if (failure) throw failure;
    },

    async untag(reference) {
      let removed = false;
      await idb("cannot untag", () =>
        update<Descriptor[]>(
          ROOTS_KEY,
          (roots) => {
            const result = untagRoots(roots ?? [], reference);
            removed = result.removed;
            return result.roots;
          },
          stores.roots,
        ),
      );
      return removed;
    },

    async list() {
      return idb("cannot list roots", rootsOf);
    },

    async remove(descriptor) {
      return idb(`cannot remove ${descriptor.digest}`, () =>
        transact(["blobs", "chunks", "roots", "sources"], async (tx) => {
          const blobs = tx.objectStore("blobs");
          tx.objectStore("sources").delete(descriptor.digest);
          const record = await promisifyRequest<BlobRecord | undefined>(blobs.get(descriptor.digest));
          const roots = tx.objectStore("roots");
          const list = (await promisifyRequest<Descriptor[] | undefined>(roots.get(ROOTS_KEY))) ?? [];
          const kept = list.filter((r) => r.digest !== descriptor.digest);
          if (kept.length !== list.length) roots.put(kept, ROOTS_KEY);
          if (record) {
            blobs.delete(descriptor.digest);
            tx.objectStore("chunks").delete(chunkRange(descriptor.digest, record.ingestId));
          }
          return record !== undefined || kept.length !== list.length;
        }),
      );
    },

    async gc() {
      return idb("cannot collect garbage", async () => {
        const records = new Map(await entries<Digest, BlobRecord>(stores.blobs));
        const candidates = [...records].map(([digest, r]) => ({ digest, size: r.size }));
        const read = async (d: Pick<Descriptor, "digest">) => {
          const record = records.get(d.digest);
          return record && record.size <= MAX_MANIFEST ? readRecordBytes(d.digest, record) : undefined;
        };
        const keep = await reachable(await rootsOf(), read, candidates);
        // What pulls in other tabs hold (read after the blobs were listed: a blob leased later was not listed).
        const leased = lease.heldByOthers(await liveLocks());
        const removed: Digest[] = [];
        for (const [digest, record] of records) {
          if (keep.has(digest) || leased.has(digest)) continue;
          await transact(["blobs", "chunks", "roots", "sources"], async (tx) => {
            // Re-checked inside the transaction: a root may have been added since the walk.
            const list =
              (await promisifyRequest<Descriptor[] | undefined>(tx.objectStore("roots").get(ROOTS_KEY))) ?? [];
            if (list.some((r) => r.digest === digest)) return;
            tx.objectStore("blobs").delete(digest);
            tx.objectStore("sources").delete(digest);
            tx.objectStore("chunks").delete(chunkRange(digest, record.ingestId));
            removed.push(digest);
          });
        }
        // Partials no live writer holds, and chunks that belong to neither a blob nor a partial.
        const live = await liveLocks();
        const partials = await entries<[Digest, string], PartialRecord>(stores.partials);
        const owned = new Set<string>();
        for (const [[digest, ingestId], record] of partials) {
          // An open partial updated in the last few seconds may belong to a writer in another tab that has
          // claimed it but not yet taken its Web Lock: left for the next gc.
          const fresh = !record.closed && Date.now() - record.updatedAt < FRESH_PARTIAL_MS;
          if (fresh || liveIngests.has(ingestId) || live.has(lockName(ingestId))) {
            owned.add(ingestId);
            continue;
          }
          await transact(["partials", "chunks"], (tx) => {
            tx.objectStore("partials").delete([digest, ingestId]);
            tx.objectStore("chunks").delete(chunkRange(digest, ingestId));
          });
          if (!removed.includes(digest)) removed.push(digest);
        }
        // Chunks of no blob and no partial are left by a writer whose page died between transactions. Listed
        // again now, so that a writer that started during this gc (here or in another tab) keeps its chunks.
        for (const [, record] of await entries<Digest, BlobRecord>(stores.blobs)) owned.add(record.ingestId);
        const partialKeys = await stores.partials("readonly", (s) => promisifyRequest(s.getAllKeys()));
        for (const key of partialKeys as [Digest, string][]) owned.add(key[1]);
        const chunkKeys = await stores.chunks("readonly", (s) => promisifyRequest(s.getAllKeys()));
        for (const key of chunkKeys as [Digest, string, number][]) {
          if (!owned.has(key[1]) && !liveIngests.has(key[1])) {
            await del(key, stores.chunks);
          }
        }
        return removed;
      });
    },

    async getUpload(key) {
      return idb("cannot read upload state", () => get<UploadState>(key, stores.uploads));
    },
    async setUpload(key, state) {
      const { location, offset, updatedAt } = state;
      await idb("cannot write upload state", () => set(key, { location, offset, updatedAt }, stores.uploads));
    },
    async deleteUpload(key) {
      await idb("cannot delete upload state", () => del(key, stores.uploads));
    },

    async recordSource(digest, repository) {
      requireVerifiable(digest);
      await idb("cannot record a source", () =>
        update<string[]>(
          digest,
          (list) => (list?.includes(repository) ? list : [...(list ?? []), repository]),
          stores.sources,
        ),
      );
    },
    async sources(digest) {
      return idb("cannot read sources", async () => (await get<string[]>(digest, stores.sources)) ?? []);
    },
  };
}

interface Context {
  stores: Record<StoreName, UseStore>;
  transact: <T>(
    names: StoreName[],
    body: (tx: IDBTransaction) => T | Promise<T>,
    durability?: IDBTransactionDurability,
  ) => Promise<T>;
  chunkSize: number;
}

async function openIngest(ctx: Context, descriptor: Descriptor, options: IngestOptions = {}): Promise<Ingest> {
  const algorithm = requireVerifiable(descriptor.digest);
  if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
    throw new OciError("INVALID_ARGUMENT", `${descriptor.digest}: size ${descriptor.size} is not a byte count`);
  }
  const digest = descriptor.digest;
  const existing = await get<BlobRecord>(digest, ctx.stores.blobs);
  if (existing?.size === descriptor.size) return presentIngest(descriptor);

  const owner = randomId();
  const hasher: Hasher = await createHasher(algorithm);
  const claimed = options.resume === false ? undefined : await claimPartial(ctx, digest, owner);
  if (options.resume === false) await dropPartials(ctx, digest);
  // Continue the claimed partial's chunks, or start a key range of our own.
  const ingestId = claimed?.ingestId ?? randomId();
  liveIngests.add(ingestId);
  const releaseLock = holdLock(ingestId);
  let size = 0;
  let count = 0;
  try {
    if (claimed) {
      // Re-hash the prefix: stored bytes are not trusted, they are read back and hashed.
      for (let i = 0; i < claimed.record.count; i++) {
        const chunk = await readChunk(ctx.stores.chunks, [digest, ingestId, i]);
        hasher.update(chunk);
        size += chunk.length;
      }
      count = claimed.record.count;
      if (size > descriptor.size) {
        liveIngests.delete(ingestId);
        releaseLock();
        await discard(ctx, digest, ingestId);
        return openIngest(ctx, descriptor, { resume: false });
      }
    }
    await ctx.transact(["partials"], (tx) => {
      tx.objectStore("partials").put(partialRecord(size, count, owner, false), [digest, ingestId]);
    });
  } catch (error) {
    liveIngests.delete(ingestId);
    releaseLock();
    throw error;
  }

  const buffer = new Uint8Array(Math.min(ctx.chunkSize, Math.max(descriptor.size - size, 1)));
  let buffered = 0;
  let done = false;

  const flush = async (closed = false) => {
    if (buffered === 0 && !closed) return;
    const index = count;
    const value = buffered > 0 ? new Blob([buffer.subarray(0, buffered)]) : undefined; // Blob copies the bytes
    await ctx.transact(
      ["chunks", "partials"],
      (tx) => {
        if (value) tx.objectStore("chunks").put(value, [digest, ingestId, index]);
        tx.objectStore("partials").put(partialRecord(size, value ? index + 1 : index, owner, closed), [
          digest,
          ingestId,
        ]);
      },
      "relaxed", // resumable and re-hashed anyway; the commit transaction below is the durable one
    );
    if (value) count = index + 1;
    buffered = 0;
  };
  const finish = async (keep: boolean) => {
    done = true;
    try {
      if (!keep) await discard(ctx, digest, ingestId);
    } finally {
      liveIngests.delete(ingestId);
      releaseLock();
    }
  };
  const ensureOpen = () => {
    if (done) throw new OciError("CLOSED", `the ingest of ${digest} is finished`);
  };

  return {
    descriptor,
    get offset() {
      return size;
    },
    async write(chunk) {
      ensureOpen();
      if (size + chunk.byteLength > descriptor.size) throw sizeMismatch(descriptor, size + chunk.byteLength, true);
      try {
        let at = 0;
        while (at < chunk.byteLength) {
          const n = Math.min(buffer.length - buffered, chunk.byteLength - at);
          buffer.set(chunk.subarray(at, at + n), buffered);
          buffered += n;
          at += n;
          size += n;
          hasher.update(chunk.subarray(at - n, at));
          if (buffered === buffer.length) await flush();
        }
      } catch (error) {
        // A quota or transaction error: what the database holds is unknown, this writer and its chunks go.
        await finish(false).catch(() => {});
        throw storeError(error, `cannot write ${digest}`);
      }
    },
    async commit() {
      ensureOpen();
      if (size !== descriptor.size) {
        await finish(false);
        throw sizeMismatch(descriptor, size, false);
      }
      const actual = hasher.digest();
      if (actual !== digest) {
        await finish(false);
        throw digestMismatch(descriptor, actual);
      }
      try {
        await flush();
        // The commit marker, the end of the partial and (if a concurrent writer won) our chunks' removal: one
        // transaction, so a crash leaves either the partial or the blob, never half of each.
        await ctx.transact(["blobs", "partials", "chunks"], async (tx) => {
          const blobs = tx.objectStore("blobs");
          const other = await promisifyRequest<BlobRecord | undefined>(blobs.get(digest));
          tx.objectStore("partials").delete([digest, ingestId]);
          if (other?.size === descriptor.size) tx.objectStore("chunks").delete(chunkRange(digest, ingestId));
          else blobs.put({ size, ingestId, count } satisfies BlobRecord, digest);
        });
        done = true;
        liveIngests.delete(ingestId);
        releaseLock();
      } catch (error) {
        await finish(false).catch(() => {});
        throw storeError(error, `cannot commit ${digest}`);
      }
    },
    async abort() {
      if (!done) await finish(false);
    },
    async close() {
      if (done) return;
      try {
        await flush(true);
        await finish(true);
      } catch (error) {
        await finish(false).catch(() => {});
        throw storeError(error, `cannot keep the partial of ${digest}`);
      }
    },
  };
}

/**
 * Takes over the longest partial of `digest` that no live writer holds, by swapping its owner inside one
 * transaction (compare-and-set), so that two writers never append to the same chunks.
 */
async function claimPartial(
  ctx: Context,
  digest: Digest,
  owner: string,
): Promise<{ ingestId: string; record: PartialRecord } | undefined> {
  const live = await liveLocks();
  const all = await ctx.stores.partials("readonly", async (s) => {
    const keys = (await promisifyRequest(s.getAllKeys(partialRange(digest)))) as [Digest, string][];
    const values = (await promisifyRequest(s.getAll(partialRange(digest)))) as PartialRecord[];
    return keys.map((key, i) => ({ ingestId: key[1], record: values[i] as PartialRecord }));
  });
  const free = all
    .filter((p) => !liveIngests.has(p.ingestId) && !live.has(lockName(p.ingestId)))
    .sort((a, b) => b.record.size - a.record.size);
  for (const candidate of free) {
    const won = await ctx.transact(["partials"], async (tx) => {
      const store = tx.objectStore("partials");
      const now = await promisifyRequest<PartialRecord | undefined>(store.get([digest, candidate.ingestId]));
      if (!now || now.owner !== candidate.record.owner) return false;
      store.put({ ...now, owner, closed: false, updatedAt: Date.now() }, [digest, candidate.ingestId]);
      return true;
    });
    if (won) return candidate;
  }
  return undefined;
}

/** Discards every partial of `digest` that no live writer holds (ingest with `resume: false`). */
async function dropPartials(ctx: Context, digest: Digest): Promise<void> {
  const live = await liveLocks();
  const keys = (await ctx.stores.partials("readonly", (s) => promisifyRequest(s.getAllKeys(partialRange(digest))))) as [
    Digest,
    string,
  ][];
  for (const [, ingestId] of keys) {
    if (!liveIngests.has(ingestId) && !live.has(lockName(ingestId))) await discard(ctx, digest, ingestId);
  }
}

async function discard(ctx: Context, digest: Digest, ingestId: string): Promise<void> {
  await ctx.transact(["partials", "chunks"], (tx) => {
    tx.objectStore("partials").delete([digest, ingestId]);
    tx.objectStore("chunks").delete(chunkRange(digest, ingestId));
  });
}

function partialRecord(size: number, count: number, owner: string, closed: boolean): PartialRecord {
  return { size, count, owner, closed, updatedAt: Date.now() };
}

async function readChunk(chunks: UseStore, key: [Digest, string, number]): Promise<Uint8Array> {
  const value = await get<Blob | Uint8Array>(key, chunks);
  if (value === undefined) throw new OciError("STORE", `chunk ${key.join("/")} is missing`);
  return value instanceof Uint8Array ? value : new Uint8Array(await value.arrayBuffer());
}

function chunkRange(digest: Digest, ingestId: string): IDBKeyRange {
  return IDBKeyRange.bound([digest, ingestId, 0], [digest, ingestId, Number.POSITIVE_INFINITY]);
}

function partialRange(digest: Digest): IDBKeyRange {
  // Every [digest, ingestId] key: array keys compare element-wise, and [] sorts after every string.
  return IDBKeyRange.bound([digest, ""], [digest, []]);
}

// ---- liveness across tabs: a Web Lock per writer, released by the browser when the page goes ------------------------

function lockName(ingestId: string): string {
  return `toci-ingest-${ingestId}`;
}

interface LockManagerLike {
  request(name: string, callback: () => Promise<void>): Promise<void>;
  query(): Promise<{ held?: { name?: string }[] }>;
}

function locks(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks;
}

function holdLock(ingestId: string): () => void {
  const manager = locks();
  if (!manager) return () => {};
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  void manager.request(lockName(ingestId), () => held).catch(() => {});
  return release;
}

async function liveLocks(): Promise<Set<string>> {
  const manager = locks();
  if (!manager) return new Set();
  const state = await manager.query();
  return new Set((state.held ?? []).map((l) => l.name ?? ""));
}

// ---- database and errors ----------------------------------------------------------------------------------------------

function openDatabase(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const store of STORES) if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
    };
    request.onsuccess = () => {
      const db = request.result;
      // Without this, deleteDatabase() and future upgrades in another tab wait forever (docs/architecture.md §6 item 6).
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new OciError("STORE", `opening ${name} is blocked by another connection`));
  });
}

/** Anything IndexedDB throws (QuotaExceededError, a transaction's AbortError, ...) becomes `STORE`. */
function storeError(error: unknown, what: string): OciError {
  if (isOciError(error)) return error;
  return new OciError("STORE", `${what}: ${String(error)}`, { cause: error });
}

async function idb<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw storeError(error, what);
  }
}

function randomId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
