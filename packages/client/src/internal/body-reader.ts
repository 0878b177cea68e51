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
/**
 * A body this small is gathered whole before `take` sees it: a small blob is then one store write (no copy into the
 * store's coalescing buffer, which is as large) and one hash update instead of one per read. Larger bodies go to
 * `take` read by read, so that a kill loses no more than this per blob.
 */
export const GATHER = 256 * 1024;

/** Where the chunks go; the chunk's memory is reused once the promise settles. */
export type ChunkTaker = (chunk: Uint8Array) => Promise<void>;

/**
 * Reads `body` to its end, handing each chunk to `take` and waiting for it. `expected` is how many bytes the body
 * should hold: the buffer is no larger (and at least one byte, so that a body longer than announced still reaches
 * `take`, which refuses it). Cancels the body when `take` or the stream fails.
 */
export async function readBody(body: ReadableStream<Uint8Array>, expected: number, take: ChunkTaker): Promise<void> {
  const byob = byobReader(body);
  if (!byob) {
    const reader = body.getReader();
    return readOrCancel(reader, () => readDefault(reader, take));
  }
  return readOrCancel(byob, () =>
    expected <= GATHER ? readGathered(byob, expected, take) : readEach(byob, expected, take),
  );
}

/** Reads with a buffer of `expected` bytes at most (BUFFER), each read handed to `take`. */
async function readEach(reader: ReadableStreamBYOBReader, expected: number, take: ChunkTaker): Promise<void> {
  let buffer: ArrayBuffer = new Uint8Array(Math.max(1, Math.min(BUFFER, expected))).buffer;
  for (;;) {
    const { done, value } = await reader.read(new Uint8Array(buffer));
    if (done) break;
    await take(value);
    // A BYOB read transfers the buffer; the view it returns holds it now.
    buffer = value.buffer;
  }
}

/** Reads of a small body fill one buffer of `expected` bytes, handed to `take` when full or at the end. */
async function readGathered(reader: ReadableStreamBYOBReader, expected: number, take: ChunkTaker): Promise<void> {
  let buffer: ArrayBuffer = new Uint8Array(Math.max(1, expected)).buffer;
  let filled = 0;
  for (;;) {
    const { done, value } = await reader.read(new Uint8Array(buffer, filled, buffer.byteLength - filled));
    // The view a read returns holds the transferred buffer (none only for a cancelled body).
    if (value) buffer = value.buffer;
    if (!done) filled += value.byteLength;
    // Full (a body longer than announced goes on into the same buffer, and `take` refuses the excess), or ended.
    if (filled > 0 && (done || filled === buffer.byteLength)) {
      await take(new Uint8Array(buffer, 0, filled));
      filled = 0;
    }
    if (done) break;
  }
}

async function readDefault(reader: ReadableStreamDefaultReader<Uint8Array>, take: ChunkTaker): Promise<void> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    await take(value);
  }
}

/** Runs `read`; cancels the body when it fails. The reader is not released: Node 20's releaseLock costs per body. */
async function readOrCancel(
  reader: ReadableStreamBYOBReader | ReadableStreamDefaultReader<Uint8Array>,
  read: () => Promise<void>,
): Promise<void> {
  try {
    await read();
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
