// One blob from the registry into the store, resumable: the store's partial ingest tells how many bytes it holds,
// and the download asks for the rest with `Range`. A 206 is used only when its Content-Range starts exactly there;
// a registry that ignores Range (200) restarts the ingest cleanly from zero (appending its whole body to the partial
// would corrupt the blob). Cut connections, 5xx and 429 are retried from what is held, with backoff.
// Verification is the store's: ingest.write refuses bytes past the size, commit checks size and digest.
import {
  backoffDelay,
  type Descriptor,
  type Ingest,
  isBlobAppender,
  isBodyWriter,
  isWholeBodyResponse,
  OciError,
  sizeMismatch,
  type TransportResponse,
  toOciError,
  type WholeBodyResponse,
  writeBlob,
} from "@toci/spec-types";
import { PULL } from "../auth/scope.js";
import { base64Bytes } from "../base64.js";
import { GATHER, readBody } from "../body-reader.js";
import { parseContentRange } from "../content-range.js";
import { discard } from "../http.js";
import type { Remote } from "../remote.js";
import { abortError, delay } from "../signals.js";
import type { BlobReport } from "../transfer.js";
import { fillBySegments } from "./blob-segments.js";

/** Backoff between blob download attempts: 250 ms doubling to at most 4 s (plus jitter), short of a user's patience. */
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 4000;

/** How one download runs. */
export interface DownloadOptions {
  signal: AbortSignal;
  /** Attempts before giving up. @default the client's `blobAttempts` */
  attempts?: number;
  /** Start from zero, dropping a partial ingest (after a mirror's bytes, which may be wrong). @default false */
  fresh?: boolean;
}

/** Downloads one blob into the store (embedded `data` is written without a request). */
export async function downloadBlob(
  remote: Remote,
  descriptor: Descriptor,
  report: BlobReport,
  options: DownloadOptions,
): Promise<void> {
  if (typeof descriptor.data === "string") {
    // Embedded content (image-spec descriptor.md "data"): no request at all; the store verifies it.
    await writeBlob(remote.store, descriptor, base64Bytes(descriptor.data));
    report.at(descriptor.size);
    return;
  }
  await new Download(remote, descriptor, report, options).run();
}

/** One blob's download: its attempts, each continuing the store's partial ingest. */
class Download {
  readonly #remote: Remote;
  readonly #blob: Descriptor;
  readonly #report: BlobReport;
  readonly #signal: AbortSignal;
  readonly #attempts: number;
  #attempt = 0;
  /** Whether the next attempt continues the partial ingest (false after the registry sent something unusable). */
  #resume: boolean;
  #ingest: Ingest | undefined;
  /** Whether an ingest that takes Blobs gets Range segments read into Blobs (blob-segments.ts). */
  #segments = true;

  constructor(remote: Remote, blob: Descriptor, report: BlobReport, options: DownloadOptions) {
    this.#remote = remote;
    this.#blob = blob;
    this.#report = report;
    this.#signal = options.signal;
    this.#attempts = options.attempts ?? remote.options.blobAttempts;
    this.#resume = options.fresh !== true;
  }

  async run(): Promise<void> {
    for (;;) {
      this.#attempt++;
      if (this.#signal.aborted) throw abortError(this.#signal);
      const ingest = await this.#remote.store.ingest(this.#blob, { resume: this.#resume });
      this.#ingest = ingest;
      this.#report.at(ingest.offset);
      try {
        if (!(await this.#fill(ingest))) continue;
        await this.#ingest!.commit();
        this.#report.at(this.#blob.size);
        return;
      } catch (error) {
        await this.#failed(error);
      }
    }
  }

  /** Requests what the ingest lacks and writes it in; false when the next attempt must start from zero. */
  async #fill(ingest: Ingest): Promise<boolean> {
    const { size } = this.#blob;
    if (ingest.offset >= size && size !== 0) return true;
    if (this.#segments && isBlobAppender(ingest) && size > 0) {
      const context = { report: this.#report, signal: this.#signal };
      if ((await fillBySegments(this.#remote, this.#blob, ingest, context)) === "done") return true;
      // An answer the segments do not take: this download streams from here on.
      this.#segments = false;
    }
    const offset = ingest.offset;
    const response = await this.#remote.http.send({
      method: "GET",
      path: this.#path,
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
      scopes: this.#remote.scopes(PULL),
      signal: this.#signal,
    });
    if (response.status === 206) {
      const header = response.headers.get("content-range");
      if (!this.#rangeFits(header, offset)) {
        // A range we did not ask for: start over without Range rather than guess. A registry that answers every
        // request so (even one without Range) would keep us here, so each restart costs an attempt.
        await discard(response);
        if (this.#attempt >= this.#attempts) {
          throw new OciError(
            "PROTOCOL",
            `the registry answered a request for bytes ${offset}- with Content-Range ${JSON.stringify(header?.slice(0, 100) ?? null)}`,
          );
        }
        this.#remote.logger.warn("registry answered a Range request with another range; restarting the blob", {
          digest: this.#blob.digest,
        });
        return this.#restart(ingest);
      }
    } else if (response.status === 200) {
      if (offset > 0) {
        // The registry ignored Range and sends everything: restart the ingest at zero.
        await ingest.abort();
        this.#ingest = await this.#remote.store.ingest(this.#blob, { resume: false });
        this.#report.at(0);
      }
    } else if (response.status === 416 && offset > 0) {
      // The partial is not a prefix the registry can continue (or 2.8.2's broken 416): start over.
      await discard(response);
      return this.#restart(ingest);
    } else {
      throw await this.#remote.http.error(response, "GET", this.#remote.http.url(this.#path), "BLOB_UNKNOWN");
    }
    await this.#write(response, this.#ingest!);
    return true;
  }

  get #path(): string {
    return this.#remote.path("blobs", this.#blob.digest);
  }

  /** Whether a 206's Content-Range starts where we asked, for this blob's size. */
  #rangeFits(header: string | null, offset: number): boolean {
    const range = parseContentRange(header);
    return !!range && range.first === offset && (range.complete === undefined || range.complete === this.#blob.size);
  }

  async #restart(ingest: Ingest): Promise<false> {
    await ingest.abort();
    this.#resume = false;
    return false;
  }

  /**
   * Reads the body into the ingest: a small one whole, without a stream, when the transport can (#writeWhole); else
   * through one reused buffer (body-reader.ts), or handed over whole to an ingest that takes bodies (the OPFS store's,
   * which moves the bytes to its worker); the offset counts from the ingest.
   */
  async #write(response: TransportResponse, ingest: Ingest): Promise<void> {
    const expected = this.#blob.size - ingest.offset;
    if (expected <= GATHER && isWholeBodyResponse(response) && !isBodyWriter(ingest)) {
      return this.#writeWhole(response, ingest);
    }
    const body = response.body;
    if (!body) return;
    if (isBodyWriter(ingest)) {
      let at = ingest.offset;
      const progress = (offset: number) => {
        this.#report.moved(offset - at);
        at = offset;
        this.#report.at(offset);
      };
      return ingest.writeBody(body, { progress });
    }
    await readBody(body, expected, async (chunk) => {
      this.#report.moved(chunk.byteLength);
      await ingest.write(chunk);
      this.#report.at(ingest.offset);
    });
  }

  /**
   * A small body read whole by the transport and written in one piece. No web stream, reader and buffer transfers
   * per blob: for a pull of 200 blobs of 64 KiB they were most of the CPU of the body path. A small body was
   * gathered whole before the ingest saw it anyway (body-reader.ts), so a cut connection loses no more than before.
   * A body longer than expected is read no further than GATHER bytes (the transport drops the rest).
   */
  async #writeWhole(response: WholeBodyResponse, ingest: Ingest): Promise<void> {
    const bytes = await response.bytes(GATHER);
    // Past GATHER: more than expected, which is at most that. Up to it, the ingest refuses what runs past the size.
    if (bytes === undefined) throw sizeMismatch(this.#blob, ingest.offset + GATHER + 1, true);
    if (bytes.byteLength === 0) return;
    this.#report.moved(bytes.byteLength);
    await ingest.write(bytes);
    this.#report.at(ingest.offset);
  }

  /** After a failed attempt: throws, or waits before the next one (which resumes from what was written). */
  async #failed(error: unknown): Promise<void> {
    const signal = this.#signal;
    const e = signal.aborted ? abortError(signal) : toOciError(error, "NETWORK");
    const ingest = this.#ingest!;
    if (e.code === "DIGEST_MISMATCH" || e.code === "SIZE_MISMATCH") {
      // The content is wrong, not the connection: never keep it, never retry into the same result.
      await ingest.abort().catch(() => {});
      throw e;
    }
    // Keep what was written: the next attempt, or the next run, resumes from it.
    await ingest.close().catch(() => {});
    if (!e.temporary || this.#attempt >= this.#attempts || signal.aborted) throw e;
    const wait = backoffDelay(this.#attempt, BASE_DELAY_MS, MAX_DELAY_MS);
    this.#remote.logger.warn(`blob download failed (${e.code}), resuming in ${Math.round(wait)} ms`, {
      digest: this.#blob.digest,
      attempt: this.#attempt,
      error: e,
    });
    await delay(wait, signal);
    this.#resume = true;
  }
}
