// Which writers are alive, across tabs: each writer holds the Web Lock `toci-ingest-<ingestId>` while it lives, and
// the browser releases it when the page goes, which is what makes a reloaded page's partial claimable and
// sweepable. Writers of this realm are also kept in a set, so that they count from the moment they exist.
import { heldWebLocks, holdWebLock } from "@toci/spec-types";
import type { PartialRecord } from "../records.js";

/** Writers alive in this realm, by ingestId. */
const liveIngests = new Set<string>();

/** A partial taken over by a writer. */
export interface IngestClaim {
  ingestId: string;
  record: PartialRecord;
}

/** A writer's hold on its ingest; `end` releases it (idempotent). */
export interface Liveness {
  end(): void;
}

function lockName(ingestId: string): string {
  return `toci-ingest-${ingestId}`;
}

/** Marks the writer of `ingestId` alive, here and (once the lock is granted) for every tab. */
export async function writerLiveness(ingestId: string): Promise<Liveness> {
  liveIngests.add(ingestId);
  let release: () => void = () => {};
  try {
    release = await holdWebLock(lockName(ingestId));
  } catch (error) {
    liveIngests.delete(ingestId);
    throw error;
  }
  return {
    end() {
      liveIngests.delete(ingestId);
      release();
    },
  };
}

/** A test of whether a writer is alive, from the locks held now. */
export async function isLive(): Promise<(ingestId: string) => boolean> {
  const held = await heldWebLocks();
  return (ingestId) => liveIngests.has(ingestId) || held.has(lockName(ingestId));
}
