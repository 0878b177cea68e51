// A blob downloaded in Range segments, each read whole into a Blob by the transport and appended as one (an ingest
// that takes Blobs, spec-types' BlobAppender, and a transport whose responses read into Blobs, BlobBodyResponse:
// IndexedDB's store over fetch). In a browser the bytes then go from the network into its blob storage and into
// IndexedDB without ever entering JavaScript: no copy per chunk, no stream, no garbage.
//
// Each segment is sized by segment-pace.ts (about 8 s of transfer at the registry's last rate, at most the store's
// value size and 16 MiB), asked from where the ingest stands with `Range: bytes=from-to` (a blob that fits in one is
// asked whole, without Range). A segment's answer must be exactly
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
import { noteSegment, noteTimeout, segmentDeadline, segmentSize, segmentsFrom } from "./segment-pace.js";

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
  while (ingest.offset < blob.size) {
    if (!segmentsFrom(remote)) return "stream";
    const from = ingest.offset;
    const to = Math.min(blob.size, from + segmentSize(remote, ingest.blobSegment)) - 1;
    const started = performance.now();
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
    const bytes = await response.blob({ deadline: segmentDeadline(remote, expected) }).catch((error: unknown) => {
      if (isOciError(error) && error.code === "TIMEOUT") noteTimeout(remote);
      throw error;
    });
    if (bytes.size !== expected) {
      // Fewer bytes than the range: a body cut short (retried from here); more: not the range asked for.
      throw new OciError(
        bytes.size < expected ? "NETWORK" : "PROTOCOL",
        `GET ${path}: bytes ${from}-${to} came as ${bytes.size} bytes`,
      );
    }
    noteSegment(remote, expected, performance.now() - started);
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
