// What ingest/ holds, as the writers that look for a partial to resume see it: one listing serves many ingests.
//
// A pull of 200 small blobs listed ingest/ once per blob (a readdir is an open, two getdents and a close), only to
// learn, nearly always, that no partial waits. So a listing is read once and reused for small blobs while it is
// young (LISTING_TTL_MS); this process's own closed partials are added to it as they are made, so that a retry
// resumes what the failed attempt wrote. What another process puts in ingest/ later is missed until the listing
// is read again: that costs a fresh download of a small blob, never a clobbered file (every writer writes its own
// file, and a partial is only ever taken over by an atomic rename of a file that is still there). A blob of
// FRESH_LIST_SIZE or more, whose download costs far more than a readdir, always lists afresh.
import type { FsPromises } from "../fs-api.js";

/** A listing is reused for small blobs this long: a pull of many small blobs lists once, a long-lived process anew. */
const LISTING_TTL_MS = 5000;
/** A blob at least this large lists ingest/ afresh: a missed partial would cost megabytes, the listing microseconds. */
export const FRESH_LIST_SIZE = 1024 * 1024;

interface Listing {
  /** When the readdir started. */
  at: number;
  /** The names it returned, plus the files this process added since (and minus those it took). */
  names: Set<string>;
  /** Resolves once `names` holds the readdir's answer; rejects when the readdir failed. */
  ready: Promise<void>;
}

const listings = new WeakMap<FsPromises, Map<string, Listing>>();

/** The names in `dir`, from a listing young enough for a blob of `size` bytes (else read now). */
export async function ingestNames(fs: FsPromises, dir: string, size: number): Promise<Set<string>> {
  let byDir = listings.get(fs);
  if (!byDir) {
    byDir = new Map();
    listings.set(fs, byDir);
  }
  const now = Date.now();
  let listing = byDir.get(dir);
  if (!listing || size >= FRESH_LIST_SIZE || now - listing.at > LISTING_TTL_MS) {
    const names = new Set<string>();
    const ready = fs.readdir(dir).then((read) => {
      for (const name of read) names.add(name);
    });
    const fresh: Listing = { at: now, names, ready };
    listing = fresh;
    byDir.set(dir, fresh);
    // A failed listing is not kept: the next ingest lists again.
    ready.catch(() => {
      if (byDir.get(dir) === fresh) byDir.delete(dir);
    });
  }
  await listing.ready;
  return listing.names;
}

/** `name` was just made in `dir` by this process (a closed partial): the next ingest of its blob sees it. */
export function noteIngestFile(fs: FsPromises, dir: string, name: string): void {
  listings.get(fs)?.get(dir)?.names.add(name);
}
