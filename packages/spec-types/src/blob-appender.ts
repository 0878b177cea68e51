// An optional ability of an Ingest (the Store contract, docs/architecture.md §2): taking bytes as a Blob. A store
// that keeps Blobs (IndexedDB's) stores one as it is, so bytes read from the network into a Blob never pass through
// JavaScript: the client then downloads such a blob in Range segments of `blobSegment` bytes, each read whole into a
// Blob by the transport (BlobBodyResponse) and appended. Resume works as with chunks (the offset counts what is
// stored); verification stays commit's.
import type { Ingest } from "./store.js";

/**
 * Optional ability of an {@link Ingest}: appends a Blob's bytes, as `write` would (throws `SIZE_MISMATCH` past the
 * descriptor's size). It resolves once the Blob is taken: storing it may still be under way, and its failure then
 * fails the next append, commit or close, as a failed `write` would.
 */
export interface BlobAppender {
  /** The bytes a caller should put in one Blob: the store's segment (a Blob it keeps as one value). */
  readonly blobSegment: number;
  appendBlob(blob: Blob): Promise<void>;
}

/** Whether an ingest takes Blobs. */
export function isBlobAppender(ingest: Ingest): ingest is Ingest & BlobAppender {
  return typeof (ingest as Partial<BlobAppender>).appendBlob === "function";
}
