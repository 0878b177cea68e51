// One blob written into IndexedDB: stored in segments (segments.ts), verified, then made visible by one transaction
// that writes its `blobs` record. A blob of up to the store's `wholeDigestMax` is verified at commit by WebCrypto
// over its segments read back whole (spec-types' whole-digest.ts: 4–5 × less CPU than hash-wasm); a larger one is
// hashed as it is written. A partial (the `partials` record and its chunk range)
// survives close() and the death of its page, and a later ingest of the digest claims it, re-hashes what it holds and
// continues. A writer holds a Web Lock while alive (liveness.ts), so no other tab claims or sweeps its partial.
import {
  type BlobAppender,
  checkAppend,
  checkComplete,
  checkWholeDigest,
  createHasher,
  type Descriptor,
  type Digest,
  digestsWhole,
  type HashAlgorithm,
  type Hasher,
  type Ingest,
  type IngestOptions,
  isContentMismatch,
  OciError,
  presentIngest,
  requireIngestable,
  sizeMismatch,
  WHOLE_DIGEST_MAX,
  webStorageError,
  wholeDigestTurn,
} from "@toci/spec-types";
import { get, promisifyRequest } from "idb-keyval";
import type { BlobRecord, PartialRecord } from "../records.js";
import { chunkRange, chunkStream, partialRange, readWhole } from "./chunks.js";
import { type Database, randomId } from "./database.js";
import { type IngestClaim, isLive, type Liveness, writerLiveness } from "./liveness.js";
import { type SegmentSink, segmentSink } from "./segments.js";
import { taskSlices } from "./task-slices.js";

/** What an ingest needs from its store. */
export interface IngestContext {
  db: Database;
  segmentSize: number;
  /** Blobs up to this size are verified whole at commit (the store's `wholeDigestMax`). */
  wholeDigestMax: number;
}

/**
 * `wholeDigestMax` where it was not given: 0 on a page's main thread, where Chromium's WebCrypto digests on the
 * calling thread (a long task per blob, and no faster there: README), WHOLE_DIGEST_MAX in a worker.
 */
export function defaultWholeDigestMax(): number {
  return "document" in globalThis ? 0 : WHOLE_DIGEST_MAX;
}

export async function openIngest(
  ctx: IngestContext,
  descriptor: Descriptor,
  options: IngestOptions = {},
): Promise<Ingest> {
  const algorithm = requireIngestable(descriptor);
  const { db } = ctx;
  const digest = descriptor.digest;
  const existing = await get<BlobRecord>(digest, db.stores.blobs);
  if (existing?.size === descriptor.size) return presentIngest(descriptor);

  const owner = randomId();
  const hasher = digestsWhole(descriptor.size, ctx.wholeDigestMax) ? undefined : await createHasher(algorithm);
  if (options.resume === false) await dropPartials(db, digest);
  const claimed = options.resume === false ? undefined : await claimPartial(db, digest, owner);
  // Continue the claimed partial's chunks, or start a key range of our own.
  const ingestId = claimed?.ingestId ?? randomId();
  const live = await writerLiveness(ingestId);
  let start = { size: 0, count: 0 };
  try {
    if (claimed) {
      // Re-hash the prefix: stored bytes are not trusted, they are read back and hashed (or, verified whole at commit,
      // read back then).
      const count = claimed.record.count;
      const size = hasher ? await rehash(db, { digest, ingestId, count }, hasher) : claimed.record.size;
      start = { size, count };
      if (start.size > descriptor.size) {
        live.end();
        await discard(db, digest, ingestId);
        return openIngest(ctx, descriptor, { resume: false });
      }
    }
    await db.transact(["partials"], (tx) => {
      tx.objectStore("partials").put(partialRecord(start, owner, false), [digest, ingestId]);
    });
  } catch (error) {
    live.end();
    throw error;
  }
  return writer(ctx, { descriptor, algorithm, ingestId, owner, start, hasher, live });
}

interface WriterState {
  descriptor: Descriptor;
  ingestId: string;
  owner: string;
  algorithm: HashAlgorithm;
  start: { size: number; count: number };
  /** The running hash of a large blob; none for one verified whole at commit. */
  hasher: Hasher | undefined;
  live: Liveness;
}

function writer(ctx: IngestContext, state: WriterState): Ingest & BlobAppender {
  const { db } = ctx;
  const { descriptor, ingestId, owner, hasher, live } = state;
  const digest = descriptor.digest;
  const sink = segmentSink(db, { digest, ingestId, owner, segmentSize: ctx.segmentSize, stored: state.start });
  let size = state.start.size;
  let done = false;
  let failed = false;

  /** Ends the writer: its partial kept (close) or discarded (abort, a failed verification). */
  const finish = async (keep: boolean) => {
    done = true;
    await endWriter(db, state, { sink, keep });
  };
  /**
   * Appends bytes, or a Blob (a Range segment over fetch), stored as it is. A blob hashed as it comes (larger than
   * wholeDigestMax) has a Blob's bytes read here, streamed in short tasks; one verified whole at commit never has
   * them in JavaScript until then.
   */
  const append = async (bytes: Uint8Array | Blob) => {
    ensureOpen();
    const blob = bytes instanceof Blob ? bytes : undefined;
    const length = blob ? blob.size : (bytes as Uint8Array).byteLength;
    checkAppend(descriptor, size, length);
    try {
      if (hasher) await (blob ? hashBlob(blob, hasher) : hasher.update(bytes as Uint8Array));
      size += length;
      await (blob ? sink.appendBlob(blob) : sink.append(bytes as Uint8Array));
    } catch (error) {
      // A Blob that could not be read (the hasher took part of it), a quota or a transaction error: what the
      // partial record counts is stored (each put is one transaction), so close() keeps a partial a later ingest
      // resumes; abort() drops it.
      failed = true;
      throw webStorageError(error, `cannot write ${digest}`);
    }
  };
  const ensureOpen = () => {
    if (done) throw new OciError("CLOSED", `the ingest of ${digest} is finished`);
    if (failed) throw new OciError("STORE", `the ingest of ${digest} failed earlier; close or abort it`);
  };

  return {
    descriptor,
    get offset() {
      return size;
    },
    write: append,
    blobSegment: ctx.segmentSize,
    appendBlob: append,
    async commit() {
      ensureOpen();
      try {
        await verifyAndPublish(db, state, { sink, size });
        done = true;
        live.end();
      } catch (error) {
        // Content found wrong is dropped. A failure to read it back (memory) or to store it (a quota) keeps the
        // partial, whose record counts what is stored, for the next ingest to resume rather than fetch again.
        await finish(!isContentMismatch(error)).catch(() => {});
        throw webStorageError(error, `cannot commit ${digest}`);
      }
    },
    async abort() {
      if (!done) await finish(false);
    },
    async close() {
      if (done) return;
      try {
        // After a failed write, what was stored stays as it is: the partial record already counts it.
        if (!failed) await sink.flush(true);
        await finish(true);
      } catch (error) {
        await finish(true).catch(() => {});
        throw webStorageError(error, `cannot keep the partial of ${digest}`);
      }
    },
  };
}

/** Ends a writer: its Web Lock let go, its partial kept or (with its segments in flight) discarded. */
async function endWriter(db: Database, state: WriterState, end: { sink: SegmentSink; keep: boolean }) {
  try {
    if (!end.keep) {
      await end.sink.cancel();
      await discard(db, state.descriptor.digest, state.ingestId);
    }
  } finally {
    state.live.end();
  }
}

/** A commit's work: the size and digest checked (as hashed, or read back whole), then the blob published. */
async function verifyAndPublish(db: Database, state: WriterState, written: { sink: SegmentSink; size: number }) {
  const { descriptor, ingestId, hasher } = state;
  const { sink, size } = written;
  if (hasher) checkComplete(descriptor, size, hasher);
  await sink.flush(false);
  if (!hasher) await verifyStored(db, descriptor, state.algorithm, { ingestId, ...sink.stored });
  await publish(db, { digest: descriptor.digest, ingestId, ...sink.stored });
}

/**
 * The commit: the blob's record, the end of its partial and (if a concurrent writer won) the removal of our chunks,
 * in one transaction, so that a crash leaves either the partial or the blob, never half of each.
 */
async function publish(db: Database, blob: { digest: Digest; ingestId: string; size: number; count: number }) {
  const { digest, ingestId, size, count } = blob;
  await db.transact(["blobs", "partials", "chunks"], async (tx) => {
    const blobs = tx.objectStore("blobs");
    const other = await promisifyRequest<BlobRecord | undefined>(blobs.get(digest));
    tx.objectStore("partials").delete([digest, ingestId]);
    if (other?.size === size) tx.objectStore("chunks").delete(chunkRange(digest, ingestId));
    else blobs.put({ size, ingestId, count } satisfies BlobRecord, digest);
  });
}

/** Verifies a blob's stored segments, read back whole, by WebCrypto; the content is wrong: a mismatch error. */
async function verifyStored(
  db: Database,
  descriptor: Descriptor,
  algorithm: HashAlgorithm,
  stored: { ingestId: string; size: number; count: number },
): Promise<void> {
  if (stored.size !== descriptor.size) throw sizeMismatch(descriptor, stored.size, false);
  // One at a time on this thread: each holds twice its blob's size while it digests.
  await wholeDigestTurn(async () => {
    const bytes = await readWhole(db.stores.chunks, { digest: descriptor.digest, ...stored });
    await checkWholeDigest(descriptor, algorithm, bytes);
  });
}

/** Feeds a Blob's bytes to `hasher`, piece by piece as its stream gives them, in short tasks (task-slices.ts). */
async function hashBlob(blob: Blob, hasher: Hasher): Promise<void> {
  const reader = blob.stream().getReader();
  const slice = taskSlices();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    hasher.update(r.value);
    await slice();
  }
}

/** Feeds the stored bytes of a partial to `hasher`; resolves how many there were. */
async function rehash(
  db: Database,
  key: { digest: Digest; ingestId: string; count: number },
  hasher: { update(chunk: Uint8Array): void },
): Promise<number> {
  let size = 0;
  const reader = chunkStream(db.stores.chunks, key).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return size;
    hasher.update(value);
    size += value.byteLength;
  }
}

/**
 * Takes over the longest partial of `digest` that no live writer holds, by swapping its owner inside one
 * transaction (compare-and-set), so that two writers never append to the same chunks.
 */
async function claimPartial(db: Database, digest: Digest, owner: string): Promise<IngestClaim | undefined> {
  const all = await db.stores.partials("readonly", async (s) => {
    const keys = (await promisifyRequest(s.getAllKeys(partialRange(digest)))) as [Digest, string][];
    const values = (await promisifyRequest(s.getAll(partialRange(digest)))) as PartialRecord[];
    return keys.map((key, i) => ({ ingestId: key[1], record: values[i] as PartialRecord }));
  });
  const live = await isLive();
  const free = all.filter((p) => !live(p.ingestId)).sort((a, b) => b.record.size - a.record.size);
  for (const candidate of free) {
    const won = await db.transact(["partials"], async (tx) => {
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
async function dropPartials(db: Database, digest: Digest): Promise<void> {
  const live = await isLive();
  const keys = (await db.stores.partials("readonly", (s) => promisifyRequest(s.getAllKeys(partialRange(digest))))) as [
    Digest,
    string,
  ][];
  for (const [, ingestId] of keys) if (!live(ingestId)) await discard(db, digest, ingestId);
}

/** Removes a partial and its chunks. */
export async function discard(db: Database, digest: Digest, ingestId: string): Promise<void> {
  await db.transact(["partials", "chunks"], (tx) => {
    tx.objectStore("partials").delete([digest, ingestId]);
    tx.objectStore("chunks").delete(chunkRange(digest, ingestId));
  });
}

function partialRecord(stored: { size: number; count: number }, owner: string, closed: boolean): PartialRecord {
  return { ...stored, owner, closed, updatedAt: Date.now() };
}
