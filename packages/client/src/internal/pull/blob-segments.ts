// A blob downloaded in Range segments, each read whole into a Blob by the transport and appended as one (an ingest
// that takes Blobs, spec-types' BlobAppender, and a transport whose responses read into Blobs, BlobBodyResponse:
// IndexedDB's store over fetch). In a browser the bytes then go from the network into its blob storage and into
// IndexedDB without ever entering JavaScript: no copy per chunk, no stream, no garbage.
//
// Each segment is `blobSegment` bytes (the store's value size), asked from where the ingest stands with
// `Range: bytes=from-to` (a blob that fits in one is asked whole, without Range). A segment's answer must be exactly
// that range (a 206 whose Content-Range says so, or a 200 for the whole blob); anything else hands the blob over to
// the streamed download (download.ts), which knows every other answer. A segment cut short or failed rejects like a
// cut body: the download retries, resuming after the last segment appended.
import {
  type BlobAppender,
  type Descriptor,
  type Ingest,
  isBlobBodyResponse,
  isOciError,
  OciError,
} from "@toci/spec-types";
import { PULL } from "../auth/scope.js";
import { readBody } from "../body-reader.js";
import { parseContentRange } from "../content-range.js";
import { discard } from "../http.js";
import type { Remote } from "../remote.js";
import type { BlobReport } from "../transfer.js";

/**
 * The largest segment asked for, whatever the store's: a segment is all-or-nothing (a cut loses what it brought) and
 * progress moves once per segment, so 16 MiB bounds both (~0.1-0.2 s of a browser's pull into IndexedDB here).
 */
const MAX_SEGMENT = 16 * 1024 * 1024;

/**
 * How long a segment's read may take: SEGMENT_WINDOW_MS plus its bytes at SEGMENT_FLOOR_RATE. A Blob read shows no
 * progress on the way, so this is what catches a registry that stops sending: 46 s for 16 MiB, about when a streamed
 * body's idle timeout (30 s) or low-speed window (60 s) would. A link slower than the floor times a segment out once;
 * its registry is then streamed from (STREAM_ONLY), where the low-speed rule judges window by window.
 */
const SEGMENT_WINDOW_MS = 30_000;
const SEGMENT_FLOOR_RATE = 1024 * 1024; // bytes per second
/** Registries (their Remote) a segment timed out from: their blobs stream from then on. */
const STREAM_ONLY = new WeakSet<Remote>();

/** How the segments went: all appended, or the blob is the streamed download's from the ingest's offset. */
export type SegmentsOutcome = "done" | "stream";

/** Appends the blob's missing bytes to `ingest` segment by segment. */
export async function fillBySegments(
  remote: Remote,
  blob: Descriptor,
  ingest: Ingest & BlobAppender,
  context: { report: BlobReport; signal: AbortSignal },
): Promise<SegmentsOutcome> {
  const { report, signal } = context;
  const path = remote.path("blobs", blob.digest);
  const segment = Math.max(1, Math.min(MAX_SEGMENT, Math.floor(ingest.blobSegment)));
  while (ingest.offset < blob.size) {
    if (STREAM_ONLY.has(remote)) return "stream";
    const from = ingest.offset;
    const to = Math.min(blob.size, from + segment) - 1;
    const whole = from === 0 && to === blob.size - 1;
    const response = await remote.http.send({
      method: "GET",
      path,
      headers: whole ? {} : { range: `bytes=${from}-${to}` },
      scopes: remote.scopes(PULL),
      signal,
    });
    const expected = to - from + 1;
    const fits = whole
      ? response.status === 200
      : response.status === 206 && rangeIs(response.headers.get("content-range"), { from, to, size: blob.size });
    // The length is checked before anything is read: fetch then holds the body to it, so a registry cannot fill
    // the browser's blob storage past the segment (a streamed body is refused one byte past the blob instead).
    const length = response.headers.get("content-length");
    if (!fits || length === null || Number(length) !== expected) {
      if (response.status >= 400 && response.status !== 416) {
        throw await remote.http.error(response, "GET", remote.http.url(path), "BLOB_UNKNOWN");
      }
      await discard(response);
      return "stream";
    }
    if (!isBlobBodyResponse(response)) {
      // A transport without Blob bodies: this segment is written as it comes, and the rest streamed in one request.
      if (response.body) await readBody(response.body, expected, (chunk) => take(ingest, report, chunk));
      return "stream";
    }
    const deadline = SEGMENT_WINDOW_MS + Math.ceil((expected / SEGMENT_FLOOR_RATE) * 1000);
    const bytes = await response.blob({ deadline }).catch((error: unknown) => {
      if (isOciError(error) && error.code === "TIMEOUT") STREAM_ONLY.add(remote);
      throw error;
    });
    if (bytes.size !== expected) {
      // Fewer bytes than the range: a body cut short (retried from here); more: not the range asked for.
      throw new OciError(
        bytes.size < expected ? "NETWORK" : "PROTOCOL",
        `GET ${path}: bytes ${from}-${to} came as ${bytes.size} bytes`,
      );
    }
    report.moved(bytes.size);
    await ingest.appendBlob(bytes);
    report.at(ingest.offset);
  }
  return "done";
}

/** One chunk of a streamed segment into the ingest, reported. */
async function take(ingest: Ingest, report: BlobReport, chunk: Uint8Array): Promise<void> {
  report.moved(chunk.byteLength);
  await ingest.write(chunk);
  report.at(ingest.offset);
}

/** Whether a Content-Range says exactly `from`-`to` of a blob of `size` bytes. */
function rangeIs(header: string | null, want: { from: number; to: number; size: number }): boolean {
  const range = parseContentRange(header);
  return !!range && range.first === want.from && range.last === want.to && (range.complete ?? want.size) === want.size;
}
