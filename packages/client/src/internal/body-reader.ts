// Reading a blob's body chunk by chunk through one reused buffer. A byte stream (`type: "bytes"`, as
// @toci/transport-node's bodies are) read with a BYOB reader copies its bytes straight into the reader's buffer: no
// allocation per chunk, and the same memory, still hot in cache, from the first read to the last. A default reader
// gets every chunk as a new array instead, which costs a first touch of fresh memory per chunk and garbage to
// collect (with 4 blobs of 256 MiB in flight: a third more time and ~40 MiB more peak memory, docs/architecture.md
// §6). Streams that are not byte streams are read with a default reader.
//
// The buffer is lent to `take` for the duration of its promise: a consumer that keeps bytes (an ingest buffering
// small chunks) copies them, which the Store contract's `Ingest.write` promises.

/** The largest buffer a body is read into: the transport's own read size, and one file write of the store. */
const BUFFER = 1024 * 1024;

/** Where the chunks go; the chunk's memory is reused once the promise settles. */
export type ChunkTaker = (chunk: Uint8Array) => Promise<void>;

/**
 * Reads `body` to its end, handing each chunk to `take` and waiting for it. `expected` is how many bytes the body
 * should hold: the buffer is no larger (and at least one byte, so that a body longer than announced still reaches
 * `take`, which refuses it). Cancels the body when `take` or the stream fails.
 */
export async function readBody(body: ReadableStream<Uint8Array>, expected: number, take: ChunkTaker): Promise<void> {
  const reader = byobReader(body);
  if (!reader) return readDefault(body, take);
  let buffer: ArrayBuffer = new Uint8Array(Math.max(1, Math.min(BUFFER, expected))).buffer;
  try {
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (done) break;
      await take(value);
      // A BYOB read transfers the buffer; the view it returns holds it now.
      buffer = value.buffer;
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
  // Not released: read to its end or cancelled, the body is done with (see readAll in spec-types).
}

function byobReader(body: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | undefined {
  try {
    return body.getReader({ mode: "byob" });
  } catch {
    return undefined; // not a byte stream
  }
}

async function readDefault(body: ReadableStream<Uint8Array>, take: ChunkTaker): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await take(value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
  // Not released: read to its end or cancelled, the body is done with (see readAll in spec-types).
}
