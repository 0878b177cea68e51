// A blob's bytes read forward once, served as consecutive ranges: what every upload source reads through. The
// stream it reads is verified (the store's own, or the client's verifier around bytes, a Blob, a caller's stream or
// a source registry's body), and a verifier can only say "wrong" at the end of the stream. So the blob's last bytes
// are held back until the stream has ended cleanly: on a digest or size mismatch the request carrying them never
// gets its whole body, and the registry never completes an upload of wrong content, even one that trusts `?digest=`.
import { OciError, toOciError } from "@toci/spec-types";
import type { BlobSource } from "./source.js";

/** A forward reader of one stream: where it is, and the error its bytes failed with in the last range served. */
export interface OneShot extends BlobSource {
  readonly position: number;
}

export function oneShot(stream: ReadableStream<Uint8Array>, size: number): OneShot {
  return new OneShotReader(stream, size);
}

/** What is left of the range being served. */
interface RangeState {
  /** Bytes to drop first (a range that starts past the current position). */
  skip: number;
  /** Bytes still to serve. */
  want: number;
}

class OneShotReader implements OneShot {
  readonly size: number;
  readonly seekable = false;
  #position = 0;
  #failure: OciError | undefined;
  /** Bytes read past the last range. */
  #pending: Uint8Array | undefined;
  #busy = false;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(stream: ReadableStream<Uint8Array>, size: number) {
    this.size = size;
    this.#reader = stream.getReader();
  }

  get position(): number {
    return this.#position;
  }

  get failure(): OciError | undefined {
    return this.#failure;
  }

  async range(start: number, end: number): Promise<ReadableStream<Uint8Array>> {
    if (start < this.#position) {
      throw new OciError("INVALID_ARGUMENT", "a stream cannot be read again: pass bytes or a Blob to resume in place");
    }
    if (this.#busy) throw new OciError("INVALID_ARGUMENT", "a stream source serves one range at a time");
    this.#busy = true;
    this.#failure = undefined;
    const state: RangeState = { skip: start - this.#position, want: end - start };
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          await this.#serve(controller, state);
        } catch (error) {
          this.#busy = false;
          throw error;
        }
      },
      cancel: () => {
        this.#busy = false;
      },
    });
  }

  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  /** Serves the range's next chunk, or ends it. */
  async #serve(controller: ReadableStreamDefaultController<Uint8Array>, state: RangeState): Promise<void> {
    for (;;) {
      if (state.want === 0 && state.skip === 0) {
        // Nothing (more) to serve: at the blob's end, the stream's verdict first (an empty blob is verified here).
        if (this.#position === this.size) await this.#finish();
        this.#busy = false;
        controller.close();
        return;
      }
      const { done, value: chunk } = await this.#next();
      if (done) {
        this.#busy = false;
        this.#failure = new OciError("SIZE_MISMATCH", `the source ended ${state.want + state.skip} bytes early`);
        controller.error(this.#failure);
        return;
      }
      const n = Math.min(state.skip > 0 ? state.skip : state.want, chunk.byteLength);
      if (n < chunk.byteLength) this.#pending = chunk.subarray(n);
      this.#position += n;
      if (state.skip > 0) {
        state.skip -= n;
        continue;
      }
      state.want -= n;
      // The blob's last bytes wait for the stream's clean end (see above).
      if (this.#position === this.size) await this.#finish();
      controller.enqueue(chunk.subarray(0, n));
      if (state.want === 0) {
        this.#busy = false;
        controller.close();
      }
      return;
    }
  }

  /** The next chunk; a failure of the stream itself (a mismatch, a read error) is remembered as the source's. */
  async #next(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const pending = this.#pending;
    if (pending) {
      this.#pending = undefined;
      return { done: false, value: pending };
    }
    try {
      return await this.#reader.read();
    } catch (error) {
      this.#failure = toOciError(error, "STORE");
      throw this.#failure;
    }
  }

  /** After the blob's last byte: the stream must end, and cleanly (a verifier's verdict comes with the end). */
  async #finish(): Promise<void> {
    for (;;) {
      const { done, value } = await this.#next();
      if (done) return;
      if (value.byteLength > 0) {
        this.#failure = new OciError("SIZE_MISMATCH", `the source has more than the expected ${this.size} bytes`);
        throw this.#failure;
      }
    }
  }
}
