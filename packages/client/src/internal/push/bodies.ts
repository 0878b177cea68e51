// The request bodies of an upload: byte ranges of the source, reporting progress as the transport reads them. A
// one-shot source's chunk is buffered (up to a chunk's size) and kept, so that a resync can send it, or its tail,
// again.
import { passBytes } from "@toci/spec-types";
import type { BlobReport } from "../transfer.js";
import { type BlobSource, bufferOf } from "./source.js";

/** The most of a one-shot stream buffered to make a chunk re-sendable (one chunk at a time). */
export const MAX_BUFFERED = 1024 * 1024 * 1024;

export class Bodies {
  #kept: { start: number; bytes: Uint8Array<ArrayBuffer> } | undefined;
  readonly #source: BlobSource;
  readonly #report: BlobReport;

  constructor(source: BlobSource, report: BlobReport) {
    this.#source = source;
    this.#report = report;
  }

  /** The bytes from `start` (inclusive) to `end` (exclusive). */
  async make(start: number, end: number): Promise<ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer>> {
    const kept = this.#kept;
    if (kept && start >= kept.start && end <= kept.start + kept.bytes.byteLength) {
      this.#report.moved(end - start);
      return kept.bytes.subarray(start - kept.start, end - kept.start);
    }
    const stream = await this.#source.range(start, end);
    if (!this.#source.seekable && end - start <= MAX_BUFFERED) {
      const bytes = await bufferOf(stream, end - start);
      this.#kept = { start, bytes };
      // A buffered body counts as moved when handed over: the transport does not say how far it got.
      this.#report.moved(bytes.byteLength);
      return bytes;
    }
    let sent = start;
    const report = this.#report;
    // Counted as the transport reads, in a byte stream that lets its reads fill their own buffer (byte-pass.ts).
    return passBytes(stream, {
      chunk(bytes) {
        sent += bytes.byteLength;
        report.moved(bytes.byteLength);
        report.at(sent);
      },
    });
  }
}
