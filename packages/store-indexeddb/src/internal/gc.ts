// gc(): every blob no root reaches goes, unless another tab leased it (a pull there has not named its root yet);
// then every partial no live writer holds, and chunks that belong to neither a blob nor a partial (left by a page
// that died between two transactions).
import { type Descriptor, type Digest, heldWebLocks, type Leases, reachable } from "@toci/spec-types";
import { del, entries, promisifyRequest } from "idb-keyval";
import type { BlobRecord, PartialRecord } from "../records.js";
import { MAX_MANIFEST, readSmall } from "./blobs.js";
import { chunkRange } from "./chunks.js";
import { type Database, ROOTS_KEY } from "./database.js";
import { discard } from "./ingest.js";
import { isLive } from "./liveness.js";
import { listRoots } from "./roots.js";

/**
 * How long an open partial that no live writer holds is spared: a writer in another tab may have claimed it and
 * not yet taken its Web Lock. Ten seconds is far more than that step takes.
 */
const FRESH_PARTIAL_MS = 10_000;

export async function collectGarbage(db: Database, leases: Leases): Promise<Digest[]> {
  const records = new Map(await entries<Digest, BlobRecord>(db.stores.blobs));
  const candidates = [...records].map(([digest, r]) => ({ digest, size: r.size }));
  const read = async (d: Pick<Descriptor, "digest">) => {
    const record = records.get(d.digest);
    return record && record.size <= MAX_MANIFEST ? readSmall(db, d.digest, record) : undefined;
  };
  const keep = await reachable(await listRoots(db), read, candidates);
  // What pulls in other tabs hold (read after the blobs were listed: a blob leased later was not listed).
  const leased = leases.heldByOthers(await heldWebLocks());
  const removed: Digest[] = [];
  for (const [digest, record] of records) {
    if (keep.has(digest) || leased.has(digest)) continue;
    if (await removeUnreachable(db, digest, record)) removed.push(digest);
  }
  for (const digest of await sweepPartials(db)) if (!removed.includes(digest)) removed.push(digest);
  await sweepOrphanChunks(db);
  return removed;
}

/** Deletes an unreachable blob, unless a root was added for it since the walk (re-checked in the transaction). */
function removeUnreachable(db: Database, digest: Digest, record: BlobRecord): Promise<boolean> {
  return db.transact(["blobs", "chunks", "roots", "sources"], async (tx) => {
    const list = (await promisifyRequest<Descriptor[] | undefined>(tx.objectStore("roots").get(ROOTS_KEY))) ?? [];
    if (list.some((r) => r.digest === digest)) return false;
    tx.objectStore("blobs").delete(digest);
    tx.objectStore("sources").delete(digest);
    tx.objectStore("chunks").delete(chunkRange(digest, record.ingestId));
    return true;
  });
}

/** Partials no live writer holds; resolves the digests whose partials went. */
async function sweepPartials(db: Database): Promise<Digest[]> {
  const live = await isLive();
  const swept: Digest[] = [];
  for (const [[digest, ingestId], record] of await entries<[Digest, string], PartialRecord>(db.stores.partials)) {
    const fresh = !record.closed && Date.now() - record.updatedAt < FRESH_PARTIAL_MS;
    if (fresh || live(ingestId)) continue;
    await discard(db, digest, ingestId);
    swept.push(digest);
  }
  return swept;
}

/**
 * Chunks of no blob and no partial. Blobs and partials are listed now, after the sweeps, so that a writer that
 * started during this gc (here or in another tab) keeps its chunks.
 */
async function sweepOrphanChunks(db: Database): Promise<void> {
  const live = await isLive();
  const owned = new Set<string>();
  for (const [, record] of await entries<Digest, BlobRecord>(db.stores.blobs)) owned.add(record.ingestId);
  const partialKeys = await db.stores.partials("readonly", (s) => promisifyRequest(s.getAllKeys()));
  for (const key of partialKeys as [Digest, string][]) owned.add(key[1]);
  const chunkKeys = await db.stores.chunks("readonly", (s) => promisifyRequest(s.getAllKeys()));
  for (const key of chunkKeys as [Digest, string, number][]) {
    if (!owned.has(key[1]) && !live(key[1])) await del(key, db.stores.chunks);
  }
}
