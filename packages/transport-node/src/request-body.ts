// Request bodies: what the transport knows about a body before sending it (its length, whether it can be sent
// again), and writing it to a connection with back-pressure: the next chunk is read from the source only once
// the socket has taken the previous one, so a 1 GiB upload holds a chunk or two in memory, never the blob.

import { Buffer } from "node:buffer";
import type { TransportBody } from "@toci/spec-types";

/** Where a body is written: the request's socket, with the framing of its length (see attempt.ts). */
export interface RequestSink {
  /** Writes bytes; false when the socket's buffer is full (wait for `drained`). */
  write(chunk: Uint8Array): boolean;
  /** Ends the body. */
  end(): void;
  readonly destroyed: boolean;
  /** Resolves when the socket can take more, or is gone (then the next write finds it destroyed). */
  drained(): Promise<void>;
  /**
   * Resolves when the socket holds none of what was written (handed to the kernel), or at most `keep` bytes of the
   * chunks written last (then every earlier chunk is out: writes finish in order), or is gone.
   */
  flushed(keep?: number): Promise<void>;
}

/** A request body made ready to send: bytes are bytes, Blobs and streams are read as they are sent. */
export interface PreparedBody {
  /** The byte length, when known before sending (then `Content-Length` is set); undefined for a stream. */
  length: number | undefined;
  /** Whether the body can be sent again (bytes, strings, Blobs; not a stream, which is read once). */
  replayable: boolean;
  /**
   * Writes the body and ends the request; rejects when the source fails (the caller destroys the request).
   * `progress` is called each time the request has taken another chunk (after a wait for `drain` when it was full).
   */
  write(request: RequestSink, progress: () => void): Promise<void>;
}

/** Prepares a body once per request; a retry or a 307 calls `write` again on another connection. */
export function prepareBody(body: TransportBody): PreparedBody {
  if (typeof body === "string") return bytes(Buffer.from(body, "utf8"));
  if (body instanceof Uint8Array) return bytes(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  if (body instanceof ArrayBuffer) return bytes(Buffer.from(body));
  if (body instanceof Blob) {
    return {
      length: body.size,
      replayable: true,
      write: (request, progress) => pump(request, body.stream(), progress),
    };
  }
  if (body instanceof ReadableStream) {
    let used = false;
    return {
      length: undefined,
      replayable: false,
      write: (request, progress) => {
        if (used) throw new Error("a stream body can be sent once");
        used = true;
        return pump(request, body, progress);
      },
    };
  }
  throw new TypeError(`unsupported body type ${Object.prototype.toString.call(body)}`);
}

function bytes(buffer: Buffer): PreparedBody {
  return {
    length: buffer.byteLength,
    replayable: true,
    write: async (request, progress) => {
      await writeChunk(request, buffer, progress);
      if (!request.destroyed) request.end();
    },
  };
}

// A chunk is handed to the request in slices of at most this size (views, not copies): the socket reports nothing
// until a whole write has gone out, so a 64 MiB chunk written at once would look like a stalled upload.
const SLICE = 1024 * 1024;

/** Writes one chunk, slice by slice, waiting for `drain` when the request is full; false if the request is gone. */
async function writeChunk(request: RequestSink, chunk: Uint8Array, progress: () => void): Promise<boolean> {
  for (let at = 0; at < chunk.byteLength; at += SLICE) {
    if (request.destroyed) return false;
    if (!request.write(chunk.subarray(at, at + SLICE))) await request.drained();
    progress();
  }
  return !request.destroyed;
}

async function pump(request: RequestSink, source: ReadableStream<Uint8Array>, progress: () => void): Promise<void> {
  let own: ReadableStreamBYOBReader | undefined;
  try {
    own = source.getReader({ mode: "byob" });
  } catch {
    // not a byte stream: its chunks are read as they come
  }
  const reader = own ?? source.getReader();
  try {
    const sent = own
      ? await pumpBytes(request, own, progress)
      : await pumpChunks(request, reader as ReadableStreamDefaultReader<Uint8Array>, progress);
    if (sent) request.end();
    else await reader.cancel();
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/** A stream's chunks written as they come; false when the request went away. */
async function pumpChunks(
  request: RequestSink,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  progress: () => void,
): Promise<boolean> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return true;
    if (!(await writeChunk(request, value, progress))) return false;
  }
}

/**
 * A byte stream read into two buffers of our own, each refilled only once the socket holds none of it: while the
 * socket sends one, the source (a store reading a file, hashing it) fills the other, so the registry is never left
 * waiting for our next read. A 1 GiB upload goes through the same 2 MiB from end to end, and leaves no garbage.
 */
async function pumpBytes(request: RequestSink, reader: ReadableStreamBYOBReader, progress: () => void) {
  const buffers = [new ArrayBuffer(SLICE), new ArrayBuffer(SLICE)];
  for (let turn = 0; ; turn ^= 1) {
    // A read transfers the buffer it fills: the bytes come back in `value`, over the same memory.
    const { done, value } = await reader.read(new Uint8Array(buffers[turn]!));
    if (done) return true;
    if (request.destroyed) return false;
    // At most SLICE bytes: one write, which the socket queues even when full (the wait below bounds it).
    request.write(value);
    buffers[turn] = value.buffer as ArrayBuffer;
    // The next read fills the other buffer: the socket must be done with it, and may still hold this one.
    await request.flushed(value.byteLength);
    if (request.destroyed) return false;
    progress();
  }
}
