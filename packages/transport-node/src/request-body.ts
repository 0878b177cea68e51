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
  /** Resolves when the socket holds none of what was written (handed to the kernel), or is gone. */
  flushed(): Promise<void>;
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
  // A byte stream is read into one buffer of our own, refilled only once the socket holds none of it: a 1 GiB upload
  // from a store that reads into it goes through the same 1 MiB from end to end, and leaves no garbage behind.
  let buffer = own && new ArrayBuffer(SLICE);
  try {
    for (;;) {
      const { done, value } = own
        ? await own.read(new Uint8Array(buffer!))
        : await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      if (done) break;
      if (!(await writeChunk(request, value, progress))) {
        await reader.cancel();
        return;
      }
      if (own) {
        await request.flushed();
        buffer = value.buffer as ArrayBuffer;
      }
    }
    request.end();
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}
