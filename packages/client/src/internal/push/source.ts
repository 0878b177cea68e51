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

/** A blob in a store: opened again for every range (stores verify what they hand out). */
export function storeSource(store: Store, descriptor: Descriptor): BlobSource {
  return {
    size: descriptor.size,
    seekable: true,
    range: async (start, end) => slice(await store.fetch(descriptor), start, end),
    close: async () => {},
  };
}

function oneShot(stream: ReadableStream<Uint8Array>, size: number): BlobSource {
  const reader = stream.getReader();
  let position = 0;
  let pending: Uint8Array | undefined; // bytes read past the last range
  let busy = false;
  return {
    size,
    seekable: false,
    async range(start, end) {
      if (start < position) {
        throw new OciError(
          "INVALID_ARGUMENT",
          "a stream cannot be read again: pass bytes or a Blob to resume in place",
        );
      }
      if (busy) throw new OciError("INVALID_ARGUMENT", "a stream source serves one range at a time");
      busy = true;
      let want = end - start;
      let skip = start - position;
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          for (;;) {
            let chunk: Uint8Array;
            if (pending) {
              chunk = pending;
              pending = undefined;
            } else {
              const { done, value } = await reader.read();
              if (done) {
                busy = false;
                if (want > 0) controller.error(new OciError("SIZE_MISMATCH", `the stream ended ${want} bytes early`));
                else controller.close();
                return;
              }
              chunk = value;
            }
            if (skip > 0) {
              const n = Math.min(skip, chunk.byteLength);
              skip -= n;
              position += n;
              if (n < chunk.byteLength) pending = chunk.subarray(n);
              continue;
            }
            if (want === 0) {
              pending = chunk;
              busy = false;
              controller.close();
              return;
            }
            const n = Math.min(want, chunk.byteLength);
            if (n < chunk.byteLength) pending = chunk.subarray(n);
            want -= n;
            position += n;
            controller.enqueue(chunk.subarray(0, n));
            if (want === 0) {
              busy = false;
              controller.close();
            }
            return;
          }
        },
        cancel() {
          busy = false;
        },
      });
    },
    async close() {
      await reader.cancel().catch(() => {});
    },
  };
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.byteLength) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** The bytes [start, end) of a stream, cancelling the rest. */
function slice(stream: ReadableStream<Uint8Array>, start: number, end: number): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let position = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (position >= end) {
          await reader.cancel().catch(() => {});
          controller.close();
          return;
        }
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        const from = Math.max(0, start - position);
        const to = Math.min(value.byteLength, end - position);
        position += value.byteLength;
        if (from < to) {
          controller.enqueue(value.subarray(from, to));
          return;
        }
      }
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => {});
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
