// The events of a transfer (pull, push, copy): progress by bytes, then exactly one terminal event. Mirrors koci's
// TransferEvent, with the failure's cause carried instead of only logged.
import type { Descriptor } from "./descriptor.js";
import type { OciError } from "./errors.js";

/** Progress of a transfer. `percent: 100` is the success terminal and comes exactly once, last. */
export interface ProgressEvent {
  type: "progress";
  /** Integer 0–100, never decreasing. */
  percent: number;
  /** Bytes transferred or found already present so far. */
  bytes: number;
  /** Bytes of the whole transfer, as far as known (it may grow while an index is walked). */
  totalBytes: number;
  /**
   * Bytes this transfer moved over the network so far: downloaded by a pull, uploaded by a push or a copy (a copy's
   * reads from the source are not counted again). Re-sent bytes count again; what the store or the registry already
   * held, the resumed part of a partial download or upload, and mounted blobs count nothing. So a re-run after an
   * interruption shows what it had left to do. Optional: producers other than the client may not count it.
   */
  transferredBytes?: number;
  /**
   * On the success terminal (`percent: 100`) of the client's transfers: the root that was pulled, pushed or
   * copied (for a blob push, the blob), so that nobody has to resolve it again. Absent on every other event.
   */
  root?: Descriptor;
}

/** The failure terminal: nothing follows it. */
export interface FailedEvent {
  type: "failed";
  /** Why the transfer failed. */
  error: OciError;
}

/** What `pull`, `push` and `copy` yield. */
export type TransferEvent = ProgressEvent | FailedEvent;
