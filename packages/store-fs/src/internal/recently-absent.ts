// Blobs exists() just found absent. A pull asks exists(), then ingest(), of every blob it lacks, and ingest() looked
// at the blob file a second time, microseconds after the first. So the ingest that follows an exists() that said
// "absent" trusts it, for a moment: if another process commits the same blob in between, this writer writes it
// again and renames identical bytes over it, which is harmless.

/** How long an exists() answer of "absent" spares the ingest its own look. */
const ABSENT_FOR_MS = 1000;
/** Answers kept at most (exists() asked of many blobs that are never ingested must not grow without bound). */
const MAX_KEPT = 4096;

export interface RecentlyAbsent {
  /** exists() found `digest` absent now. */
  note(digest: string): void;
  /** Whether `digest` was found absent a moment ago; the answer is used once. */
  take(digest: string): boolean;
}

export function recentlyAbsent(): RecentlyAbsent {
  const seen = new Map<string, number>();
  return {
    note(digest) {
      if (seen.size >= MAX_KEPT) seen.clear();
      seen.set(digest, Date.now());
    },
    take(digest) {
      const at = seen.get(digest);
      if (at === undefined) return false;
      seen.delete(digest);
      return Date.now() - at < ABSENT_FOR_MS;
    },
  };
}
