// A pull reader over a byte stream that hands out exact-size blocks (tar headers, copied only when they span
// chunks) and zero-copy slices of the chunks as they arrived (entry content), so a tar is parsed without holding
// more than one incoming chunk.
import { truncated } from "./errors.js";

export class ByteSource {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #ended = false;
  /** Bytes handed out so far. */
  position = 0;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /** Up to `max` bytes without copying; undefined once the stream has ended. */
  async take(max: number): Promise<Uint8Array | undefined> {
    if (this.#chunk.byteLength === 0 && !(await this.#fill())) return undefined;
    const out = this.#chunk.subarray(0, max);
    this.#chunk = this.#chunk.subarray(out.byteLength);
    this.position += out.byteLength;
    return out;
  }

  /** Exactly `n` bytes; undefined when the stream ended before the first of them, truncated when within. */
  async read(n: number): Promise<Uint8Array | undefined> {
    const first = await this.take(n);
    if (!first || first.byteLength === n) return first;
    const out = new Uint8Array(n);
    out.set(first);
    for (let at = first.byteLength; at < n; ) {
      const part = await this.take(n - at);
      if (!part) throw truncated(`at byte ${this.position}`);
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }

  /** Skips `n` bytes (reading them: a stream cannot seek). */
  async skip(n: number): Promise<void> {
    while (n > 0) {
      const part = await this.take(n);
      if (!part) throw truncated(`at byte ${this.position}`);
      n -= part.byteLength;
    }
  }

  /** Releases the stream, cancelling what was not read. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  async #fill(): Promise<boolean> {
    while (!this.#ended) {
      const { done, value } = await this.#reader.read();
      if (done) this.#ended = true;
      else if (value.byteLength > 0) {
        this.#chunk = value;
        return true;
      }
    }
    return false;
  }
}
