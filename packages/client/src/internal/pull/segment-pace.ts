// How large a Range segment read into a Blob is (blob-segments.ts), and how long its read may take, from the speed a
// registry's segments came at. A Blob read shows no progress until it ends: its deadline is all that catches a
// registry that stops sending, and what a cut brought is lost with it. So a segment is sized to take about
// SEGMENT_SECONDS at the rate the registry's last segment came at, and may take SLACK times that plus a window: on any
// link a stall is caught within about a minute, a cut loses a few seconds of transfer, and progress moves every few
// seconds. A registry not measured yet gets a small first segment, given time at a floor rate. A registry a segment
// timed out from even so gets no more segments: its blobs stream, where the low-speed rule judges window by window.
import type { Remote } from "../remote.js";

/** The largest segment, whatever the store's value size and the link: what a cut loses on a fast link. */
const MAX_SEGMENT = 16 * 1024 * 1024;
/** The smallest segment once a rate is known: below it, a request's round trip would cost more than its bytes. */
const MIN_SEGMENT = 256 * 1024;
/** A registry's first segment, its speed unknown, and the rate its deadline assumes (1 MiB in 32 s). */
const FIRST_SEGMENT = 1024 * 1024;
const FIRST_FLOOR_RATE = 32 * 1024;
/** What a segment's read may take besides its bytes: as long as a streamed body may idle (transport-fetch's 30 s). */
const WINDOW_MS = 30_000;
/** A segment is sized to take this long at the rate seen, and may take SLACK times as long. */
const SEGMENT_SECONDS = 8;
const SLACK = 4;
/** Reads smaller than this measure a round trip, not a rate: they are not noted. */
const RATE_SAMPLE_MIN = 256 * 1024;

/** Bytes per second of the last segment measured from each registry (its Remote). */
const rates = new WeakMap<Remote, number>();
/** Registries a segment timed out from. */
const timedOut = new WeakSet<Remote>();

/** Whether blobs from `remote` still come in segments (none of its segments timed out). */
export function segmentsFrom(remote: Remote): boolean {
  return !timedOut.has(remote);
}

/** A segment from `remote` missed its deadline: its blobs stream from now on. */
export function noteTimeout(remote: Remote): void {
  timedOut.add(remote);
}

/** The bytes to ask for next from `remote`, for a store whose values are `storeSegment` bytes. */
export function segmentSize(remote: Remote, storeSegment: number): number {
  const cap = Math.max(1, Math.min(MAX_SEGMENT, Math.floor(storeSegment)));
  const rate = rates.get(remote);
  if (rate === undefined) return Math.min(cap, FIRST_SEGMENT);
  return Math.max(Math.min(MIN_SEGMENT, cap), Math.min(cap, Math.floor(rate * SEGMENT_SECONDS)));
}

/** How long (ms) the read of a segment of `bytes` from `remote` may take. */
export function segmentDeadline(remote: Remote, bytes: number): number {
  const rate = rates.get(remote);
  const seconds = rate === undefined ? bytes / FIRST_FLOOR_RATE : (SLACK * bytes) / rate;
  return WINDOW_MS + Math.ceil(seconds * 1000);
}

/** A segment of `bytes` came from `remote` in `ms`, request included. */
export function noteSegment(remote: Remote, bytes: number, ms: number): void {
  if (bytes >= RATE_SAMPLE_MIN && ms > 0) rates.set(remote, (bytes * 1000) / ms);
}
