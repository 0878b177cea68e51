// The events of a transfer (pull, push, copy): progress by bytes, then exactly one terminal event. Mirrors koci's
// TransferEvent, with the failure's cause carried instead of only logged.
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
}

/** The failure terminal: nothing follows it. */
export interface FailedEvent {
  type: "failed";
  /** Why the transfer failed. */
  error: OciError;
}

/** What `pull`, `push` and `copy` yield. */
export type TransferEvent = ProgressEvent | FailedEvent;
