// A blob's bytes read forward once, served as consecutive ranges: what every upload source reads through. The
// stream it reads is verified (the store's own, or the client's verifier around bytes, a Blob, a caller's stream or
// a source registry's body), and a verifier can only say "wrong" at the end of the stream. So the blob's last bytes
// are held back until the stream has ended cleanly: on a digest or size mismatch the request carrying them never
// gets its whole body, and the registry never completes an upload of wrong content, even one that trusts `?digest=`.
// Ranges are byte streams: a reader with its own buffer (the transport's, through spec-types' passBytes) has it filled by a
// byte source (a store's file reads) directly, so a push of a gigabyte goes through the same few buffers.
import { OciError, toOciError } from "@toci/spec-types";
import type { BlobSource } from "./source.js";

/** A forward reader of one stream: where it is, and the error its bytes failed with in the last range served. */
export interface OneShot extends BlobSource {
  readonly position: number;
}

export function oneShot(stream: ReadableStream<Uint8Array>, size: number): OneShot {
  return new OneShotReader(stream, size);
}

/** The most a read takes for a range whose reader lent no buffer (a byte source is read into a new one). */
const READ = 1024 * 1024;
/** Reads after a blob's last byte only look for the end (or for bytes that should not be there). */
const END_READ = 64;

/** What is left of the range being served. */
interface RangeState {
  readonly start: number;
  readonly end: number;
  /** Whether skip and want were set, by the first pull. */
  begun: boolean;
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
  /** The range being served: a range asked for later supersedes it (its request ended without reading it all). */
  #current: RangeState | undefined;
  /** The pull running now: pulls of successive ranges never read the stream at once. */
  #pulling: Promise<void> = Promise.resolve();
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader;
  /** The reader when the stream is a byte stream. */
  readonly #byob: ReadableStreamBYOBReader | undefined;

  constructor(stream: ReadableStream<Uint8Array>, size: number) {
    this.size = size;
    try {
      this.#byob = stream.getReader({ mode: "byob" });
    } catch {
      // not a byte stream: its chunks are read as they come
    }
    this.#reader = this.#byob ?? stream.getReader();
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
    this.#failure = undefined;
    const state: RangeState = { start, end, skip: 0, want: 0, begun: false };
    this.#current = state;
    return new ReadableStream(
      {
        type: "bytes",
        pull: (controller) => {
          const run = this.#pulling.then(() => {
            if (this.#current !== state) throw new OciError("INVALID_ARGUMENT", "a later range superseded this one");
            if (!state.begun) this.#begin(state);
            return this.#serve(controller, state);
          });
          this.#pulling = run.catch(() => {});
          return run;
        },
        cancel: () => {
          if (this.#current === state) this.#current = undefined;
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** Where a range starts reading: from the position its first pull finds (an abandoned range may have moved it). */
  #begin(state: RangeState): void {
    if (state.start < this.#position) {
      throw new OciError("INVALID_ARGUMENT", "a stream cannot be read again: pass bytes or a Blob to resume in place");
    }
    state.begun = true;
    state.skip = state.start - this.#position;
    state.want = state.end - state.start;
  }

  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  /** Serves the range's next chunk, or ends it. */
  async #serve(controller: ReadableByteStreamController, state: RangeState): Promise<void> {
    for (;;) {
      if (state.want === 0 && state.skip === 0) {
        // Nothing (more) to serve: at the blob's end, the stream's verdict first (an empty blob is verified here).
        if (this.#position === this.size) await this.#finish();
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      // The reader's own buffer, when it lent one; a byte source reads straight into it unless bytes wait already.
      const request = state.skip === 0 ? controller.byobRequest : null;
      const view = request?.view;
      const lent = view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : undefined;
      const wanted = Math.min(state.skip > 0 ? state.skip : state.want, lent ? lent.byteLength : READ);
      const direct = lent !== undefined && this.#byob !== undefined && this.#pending === undefined;
      const { done, value: chunk } = await this.#next(() =>
        direct ? lent.subarray(0, wanted) : new Uint8Array(wanted),
      );
      if (done) {
        this.#failure = new OciError("SIZE_MISMATCH", `the source ended ${state.want + state.skip} bytes early`);
        controller.error(this.#failure);
        return;
      }
      const n = Math.min(wanted, chunk.byteLength);
      if (n < chunk.byteLength) this.#pending = chunk.subarray(n);
      this.#position += n;
      if (state.skip > 0) {
        state.skip -= n;
        continue;
      }
      state.want -= n;
      // The blob's last bytes wait for the stream's clean end (see above).
      if (this.#position === this.size) await this.#finish();
      const part = chunk.subarray(0, n);
      // Read into the lent buffer (the read transferred it: answered with the view it returned); else copied in, or
      // enqueued as a copy (enqueue transfers a buffer, and these bytes may be the caller's or kept for later).
      if (direct) request!.respondWithNewView(part as Uint8Array<ArrayBuffer>);
      else if (request && lent) {
        lent.set(part);
        request.respond(n);
      } else controller.enqueue(new Uint8Array(part));
      if (state.want === 0) {
        controller.close();
      }
      return;
    }
  }

  /** The next chunk; a failure of the stream itself (a mismatch, a read error) is remembered as the source's. */
  async #next(buffer: () => Uint8Array): Promise<ReadableStreamReadResult<Uint8Array>> {
    const pending = this.#pending;
    if (pending) {
      this.#pending = undefined;
      return { done: false, value: pending };
    }
    try {
      if (!this.#byob) return await (this.#reader as ReadableStreamDefaultReader<Uint8Array>).read();
      return await this.#byob.read(buffer() as Uint8Array<ArrayBuffer>);
    } catch (error) {
      this.#failure = toOciError(error, "STORE");
      throw this.#failure;
    }
  }

  /** After the blob's last byte: the stream must end, and cleanly (a verifier's verdict comes with the end). */
  async #finish(): Promise<void> {
    for (;;) {
      const { done, value } = await this.#next(() => new Uint8Array(END_READ));
      if (done) return;
      if (value.byteLength > 0) {
        this.#failure = new OciError("SIZE_MISMATCH", `the source has more than the expected ${this.size} bytes`);
        throw this.#failure;
      }
    }
  }
}
