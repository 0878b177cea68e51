// Where a pull's blobs came from, kept in the store (SourceRecorder): a later push of them to another repository of
// the same registry mounts instead of uploading. Records are hints, written beside the downloads rather than in
// their slots, and a failed one is not the pull's failure. A store that records many at once (BatchSourceRecorder)
// gets them in batches: a file store writes each batch in one append instead of a file write per blob.
import { type Digest, isBatchSourceRecorder, isSourceRecorder, type SourceRecord, type Store } from "@toci/spec-types";

/**
 * Records per batch. A pull killed loses the records of the blobs it stored since the last batch (a rerun finds them
 * present and records nothing for them, so a push of those uploads); 64 keeps that small and writes a pull of 200
 * small blobs in 4 appends.
 */
const BATCH = 64;

/** The sources of one pull's blobs, noted as each blob is stored. */
export interface SourceNotes {
  /** Notes that `digest` was just downloaded from the pull's repository. */
  note(digest: Digest): void;
  /** Records what is still pending; resolves once every record is done (or failed). */
  flush(): Promise<void>;
}

/** Source notes for a pull from `repository` (`registry/repository`) into `store`. */
export function sourceNotes(store: Store, repository: string): SourceNotes {
  const writes: Promise<void>[] = [];
  if (isBatchSourceRecorder(store)) {
    let pending: SourceRecord[] = [];
    const write = () => {
      writes.push(store.recordSources(pending).catch(() => {}));
      pending = [];
    };
    return {
      note(digest) {
        pending.push({ digest, repository });
        if (pending.length >= BATCH) write();
      },
      async flush() {
        if (pending.length > 0) write();
        await Promise.all(writes);
      },
    };
  }
  const recorder = isSourceRecorder(store) ? store : undefined;
  return {
    note(digest) {
      if (recorder) writes.push(recorder.recordSource(digest, repository).catch(() => {}));
    },
    flush: async () => {
      await Promise.all(writes);
    },
  };
}
