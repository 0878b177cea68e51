// What the object stores hold (the store's README has the whole layout).

/** The commit marker of a blob: its bytes are the `count` values of the chunk range `[digest, ingestId, i]`. */
export interface BlobRecord {
  size: number;
  ingestId: string;
  count: number;
}

/** An ingest's progress: `count` stored values holding `size` bytes; `owner` is the writer that holds it now. */
export interface PartialRecord {
  size: number;
  count: number;
  owner: string;
  closed: boolean;
  updatedAt: number;
}
