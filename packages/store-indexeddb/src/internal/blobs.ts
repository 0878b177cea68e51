// Committed blobs: found by their `blobs` record, read as a verified stream of their chunks, removed with their
// chunks, sources and the roots that name them in one transaction.
import { createVerifier, type Descriptor, type Digest, type FetchOptions, OciError } from "@toci/spec-types";
import { get, promisifyRequest } from "idb-keyval";
import type { BlobRecord } from "../records.js";
import { chunkRange, chunkStream, readChunks } from "./chunks.js";
import { type Database, ROOTS_KEY } from "./database.js";

/** The largest blob read whole: a manifest (distribution-spec's 4 MiB), for resolve by digest and gc's walk. */
export const MAX_MANIFEST = 4 * 1024 * 1024;

export function blobRecord(db: Database, digest: string): Promise<BlobRecord | undefined> {
  return get<BlobRecord>(digest, db.stores.blobs);
}

/** The bytes of a stored manifest-sized blob, undefined when absent or larger than {@link MAX_MANIFEST}. */
export async function readSmall(db: Database, digest: Digest, record?: BlobRecord): Promise<Uint8Array | undefined> {
  const found = record ?? (await blobRecord(db, digest));
  if (!found || found.size > MAX_MANIFEST) return undefined;
  return readChunks(db.stores.chunks, { digest, ...found });
}

/** A blob's bytes, verified against `descriptor` as they flow; one chunk's reader open at a time. */
export async function fetchBlob(
  db: Database,
  descriptor: Descriptor,
  options: FetchOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const record = await blobRecord(db, descriptor.digest);
  if (!record) {
    throw new OciError("NOT_FOUND", `blob ${descriptor.digest} is not in ${db.name}`, {
      detail: { digest: descriptor.digest },
    });
  }
  const verifier = await createVerifier(descriptor);
  const source = chunkStream(db.stores.chunks, { digest: descriptor.digest, ...record }, options.signal);
  return source.pipeThrough(verifier);
}

/** Removes a blob (its record, chunks and sources) and every root naming it; resolves whether anything went. */
export function removeBlob(db: Database, digest: Digest): Promise<boolean> {
  return db.transact(["blobs", "chunks", "roots", "sources"], async (tx) => {
    const blobs = tx.objectStore("blobs");
    tx.objectStore("sources").delete(digest);
    const record = await promisifyRequest<BlobRecord | undefined>(blobs.get(digest));
    const roots = tx.objectStore("roots");
    const list = (await promisifyRequest<Descriptor[] | undefined>(roots.get(ROOTS_KEY))) ?? [];
    const kept = list.filter((r) => r.digest !== digest);
    if (kept.length !== list.length) roots.put(kept, ROOTS_KEY);
    if (record) {
      blobs.delete(digest);
      tx.objectStore("chunks").delete(chunkRange(digest, record.ingestId));
    }
    return record !== undefined || kept.length !== list.length;
  });
}
