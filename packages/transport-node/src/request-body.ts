// Request bodies: what the transport knows about a body before sending it (its length, whether it can be sent
// again), and writing it to a ClientRequest with back-pressure: the next chunk is read from the source only once
// the socket has taken the previous one, so a 1 GiB upload holds a chunk or two in memory, never the blob.

import { Buffer } from "node:buffer";
import type { ClientRequest } from "node:http";
import type { TransportBody } from "@toci/spec-types";

/** A request body made ready to send: bytes are bytes, Blobs and streams are read as they are sent. */
export interface PreparedBody {
  /** The byte length, when known before sending (then `Content-Length` is set); undefined for a stream. */
  length: number | undefined;
  /** Whether the body can be sent again (bytes, strings, Blobs; not a stream, which is read once). */
  replayable: boolean;
  /** Writes the body and ends the request; rejects when the source fails (the caller destroys the request). */
  write(request: ClientRequest): Promise<void>;
}

/** Prepares a body once per request; a retry or a 307 calls `write` again on a new ClientRequest. */
export function prepareBody(body: TransportBody): PreparedBody {
  if (typeof body === "string") return bytes(Buffer.from(body, "utf8"));
  if (body instanceof Uint8Array) return bytes(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  if (body instanceof ArrayBuffer) return bytes(Buffer.from(body));
  if (body instanceof Blob) {
    return { length: body.size, replayable: true, write: (request) => pump(request, body.stream()) };
  }
  if (body instanceof ReadableStream) {
    let used = false;
    return {
      length: undefined,
      replayable: false,
      write: (request) => {
        if (used) throw new Error("a stream body can be sent once");
        used = true;
        return pump(request, body);
      },
    };
  }
  throw new TypeError(`unsupported body type ${Object.prototype.toString.call(body)}`);
}

function bytes(buffer: Buffer): PreparedBody {
  return {
    length: buffer.byteLength,
    replayable: true,
    write: async (request) => {
      request.end(buffer);
    },
  };
}

async function pump(request: ClientRequest, source: ReadableStream<Uint8Array>): Promise<void> {
  const reader = source.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (request.destroyed) {
        await reader.cancel();
        return;
      }
      if (!request.write(value)) await drained(request);
    }
    request.end();
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/** Resolves when the request can take more, or is gone (then the next write finds it destroyed). */
function drained(request: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      request.off("drain", done);
      request.off("close", done);
      resolve();
    };
    request.on("drain", done);
    request.on("close", done);
  });
}
