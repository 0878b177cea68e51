// Where the bytes of a blob upload come from. Bytes and Blobs can be sliced at any offset; a store can open the
// blob again at any offset; a caller's stream can only move forward. Uploads ask for the bytes they need next, so
// resuming (after a cut connection, a 416, or a restart) works from the registry's offset whatever the source.
import { type Descriptor, OciError, type Store } from "@toci/spec-types";

export interface BlobSource {
  /** The blob's size. */
  readonly size: number;
  /** Whether any offset can be read again (bytes, Blob, store); a one-shot stream cannot go back. */
  readonly seekable: boolean;
  /** The bytes from `start` (inclusive) to `end` (exclusive), as a stream. */
  range(start: number, end: number): Promise<ReadableStream<Uint8Array>>;
  /** Releases what the source holds (cancels a one-shot stream). */
  close(): Promise<void>;
}

/** What `repo.push(data, expected)` accepts as data. */
export type PushData = Uint8Array | Blob | ReadableStream<Uint8Array>;

export function sourceOf(data: PushData, size: number): BlobSource {
  if (data instanceof Uint8Array) {
    return {
      size,
      seekable: true,
      range: async (start, end) => streamOf(data.subarray(start, end)),
      close: async () => {},
    };
  }
  if (typeof Blob !== "undefined" && data instanceof Blob) {
    return {
      size,
      seekable: true,
      range: async (start, end) => data.slice(start, end).stream() as ReadableStream<Uint8Array>,
      close: async () => {},
    };
  }
  return oneShot(data as ReadableStream<Uint8Array>, size);
}

/**
 * A blob in a store, read forward once like a stream (a tree push sends it in order), and opened again only when
 * an upload has to go back (a resync to an earlier offset). Opening it per range would re-read it from the start
 * every time: quadratic in the number of chunks.
 */
export function storeSource(store: Store, descriptor: Descriptor): BlobSource {
  let current: ReturnType<typeof oneShot> | undefined;
  return {
    size: descriptor.size,
    seekable: true,
    async range(start, end) {
      if (!current || start < current.position) {
        await current?.close();
        current = oneShot(await store.fetch(descriptor), descriptor.size);
      }
      return current.range(start, end);
    },
    async close() {
      await current?.close();
    },
  };
}

function oneShot(stream: ReadableStream<Uint8Array>, size: number): BlobSource & { readonly position: number } {
  const reader = new ForwardReader(stream);
  let busy = false;
  return {
    size,
    seekable: false,
    get position() {
      return reader.position;
    },
    async range(start, end) {
      if (start < reader.position) {
        throw new OciError(
          "INVALID_ARGUMENT",
          "a stream cannot be read again: pass bytes or a Blob to resume in place",
        );
      }
      if (busy) throw new OciError("INVALID_ARGUMENT", "a stream source serves one range at a time");
      busy = true;
      // A byte stream: a reader with its own buffer has it filled from the source directly (see ForwardReader).
      return new ReadableStream(
        {
          type: "bytes",
          async pull(controller) {
            try {
              await reader.skipTo(start);
              const want = end - reader.position;
              if (want > 0 && (await reader.deliver(controller, want))) return;
              busy = false;
              if (reader.position < end) throw new OciError("SIZE_MISMATCH", `the stream ended ${want} bytes early`);
              controller.close();
              controller.byobRequest?.respond(0);
            } catch (error) {
              busy = false;
              controller.error(error);
            }
          },
          cancel() {
            busy = false;
          },
        },
        { highWaterMark: 0 },
      );
    },
    async close() {
      await reader.cancel();
    },
  };
}

/**
 * A stream read forward in pieces of a wanted length. A byte stream is read with a BYOB reader into the buffer of
 * whoever reads the piece, never past the piece's end; another stream's chunks are cut at the piece's end and the
 * rest kept for the next piece.
 */
class ForwardReader {
  position = 0;
  readonly #byob: ReadableStreamBYOBReader | undefined;
  readonly #reader: ReadableStreamBYOBReader | ReadableStreamDefaultReader<Uint8Array>;
  /** Bytes read past the last piece (default reads only). */
  #pending: Uint8Array | undefined;

  constructor(stream: ReadableStream<Uint8Array>) {
    try {
      this.#byob = stream.getReader({ mode: "byob" });
    } catch {
      // not a byte stream
    }
    this.#reader = this.#byob ?? stream.getReader();
  }

  /** Reads and drops what lies before `offset`. */
  async skipTo(offset: number): Promise<void> {
    while (this.position < offset) {
      const chunk = await this.#next(Math.min(offset - this.position, SKIP_READ));
      if (!chunk) return;
      this.#keep(chunk, offset - this.position);
    }
  }

  /** Hands the controller's reader up to `want` bytes; false at the end of the stream. */
  async deliver(controller: ReadableByteStreamController, want: number): Promise<boolean> {
    const request = controller.byobRequest;
    const view = request?.view;
    if (this.#byob && request && view) {
      const room = Math.min(want, view.byteLength);
      const { done, value } = await this.#byob.read(new Uint8Array(view.buffer, view.byteOffset, room));
      // At the end the outer stream fails (short) rather than answers: the view is not given back.
      if (done || !value) return false;
      this.position += value.byteLength; // before responding, which transfers (empties) the view
      request.respondWithNewView(value);
      return true;
    }
    const chunk = await this.#next(Math.min(want, SKIP_READ));
    if (!chunk) return false;
    const part = this.#keep(chunk, want);
    // enqueue() transfers the buffer it is given: a copy, never the caller's memory (or the kept rest's). The
    // constructor copies; slice() of a Node Buffer (which a stream may hand out) would not.
    controller.enqueue(new Uint8Array(part));
    return true;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  /** The next chunk: kept bytes first; a BYOB read of at most `max` bytes into a fresh buffer. */
  async #next(max: number): Promise<Uint8Array | undefined> {
    if (this.#pending) {
      const chunk = this.#pending;
      this.#pending = undefined;
      return chunk;
    }
    const { done, value } = this.#byob
      ? await this.#byob.read(new Uint8Array(max))
      : await (this.#reader as ReadableStreamDefaultReader<Uint8Array>).read();
    return done ? undefined : value;
  }

  /** Takes up to `want` bytes of `chunk` (counted as read) and keeps the rest for later. */
  #keep(chunk: Uint8Array, want: number): Uint8Array {
    const n = Math.min(want, chunk.byteLength);
    if (n < chunk.byteLength) this.#pending = chunk.subarray(n);
    this.position += n;
    return chunk.subarray(0, n);
  }
}

/** Reads that skip or serve a reader without a buffer of its own take at most this much at once. */
const SKIP_READ = 1024 * 1024;

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.byteLength) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** Reads a stream into one buffer of known length (a chunk that may have to be sent twice). */
export async function bufferOf(stream: ReadableStream<Uint8Array>, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(length);
  let at = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.byteLength > length) throw new OciError("SIZE_MISMATCH", "more bytes than the chunk holds");
    out.set(value, at);
    at += value.byteLength;
  }
  if (at !== length) throw new OciError("SIZE_MISMATCH", `expected ${length} bytes, got ${at}`);
  return out;
}
