// Response bodies: a web byte stream (`type: "bytes"`) fed by a connection (internal/connection.ts). The connection
// lends views of the buffer the socket read into; this stream copies their bytes out and gives the views back, so
// that the connection reads into the same memory again. A reader with its own buffer (a BYOB reader,
// `getReader({ mode: "byob" })`, reusing one buffer from read to read) gets the bytes copied straight into it: no
// allocation at all, the whole way from the socket, and its buffer stays hot in cache. A default reader gets each
// chunk as a new Uint8Array of exactly its bytes (a copy: a byte stream transfers the buffer of every chunk it is
// given, and the connection's buffer is not ours to give away). While the reader is busy, reads pile up and leave
// together, up to the size of a BYOB view or 1 MiB.
//
// The idle timeout counts only the time the transport waits for bytes it wants (a read pending); a caller that
// does not read does not make the body idle. Failure (the connection cut, the idle timeout, the caller's abort)
// errors the stream with NETWORK, TIMEOUT or ABORTED and destroys the connection; cancel() reads a small rest of the
// body to its end (the connection is reused) and destroys the connection of a large one.

import { abortError, type FailureContext, timeoutError, transportError } from "@toci/spec-types";
import type { BodySink, Connection } from "./internal/connection.js";

/** A body being received: the sink the connection feeds, and the stream the caller reads. */
export interface ResponseBody {
  sink: BodySink;
  stream: ReadableStream<Uint8Array>;
}

// A rest of body longer than this is not read to its end to save the connection when the caller cancels (or a
// redirect's or a retried 503's body is discarded): a new connection costs less.
const DISCARD_LIMIT = 64 * 1024;
// How long discarding a body may take before the connection is closed instead.
const DISCARD_DEADLINE_MS = 2000;
// The most a default read takes at once (a BYOB read takes what its view holds).
const MAX_CHUNK = 1024 * 1024;

/** A body over `connection`; `length` is its announced length (undefined when chunked or read to the close). */
export function responseBody(
  connection: Connection,
  options: { idleTimeout: number; context: FailureContext; length: number | undefined },
): ResponseBody {
  const { idleTimeout, context } = options;
  const { signal } = context;
  const queue: Buffer[] = [];
  let queued = 0;
  let received = 0;
  let state: "open" | "ended" | "failed" | "cancelled" = "open";
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let controller!: ReadableByteStreamController;
  // One coarse timer per body, re-armed only when it fires, instead of a setTimeout/clearTimeout pair per chunk.
  let waitingSince = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A cancelled body being read to its end: resolves cancel() once the connection is free (or gone).
  let discarded: (() => void) | undefined;
  let discardTimer: ReturnType<typeof setTimeout> | undefined;
  const discardDone = () => {
    clearTimeout(discardTimer);
    const done = discarded;
    discarded = undefined;
    done?.();
  };

  const settle = () => {
    clearTimeout(timer);
    timer = undefined;
    signal?.removeEventListener("abort", onAbort);
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (error: Error) => {
    if (state !== "open") return;
    state = "failed";
    failure = error;
    settle();
    connection.destroy(error);
  };
  const onAbort = () => fail(abortError(context));
  const checkIdle = () => {
    timer = undefined;
    if (state !== "open" || !wake) return;
    const idle = performance.now() - waitingSince;
    if (idle >= idleTimeout) fail(timeoutError(context, "no data", idleTimeout));
    else timer = setTimeout(checkIdle, idleTimeout - idle);
  };

  const sink: BodySink = {
    push(view) {
      received += view.length;
      if (state === "cancelled") {
        connection.release(view);
        if (received > DISCARD_LIMIT) connection.destroy();
        return;
      }
      const last = queue.at(-1);
      // The next bytes of the same buffer: one larger view instead of two.
      if (last && last.buffer === view.buffer && last.byteOffset + last.length === view.byteOffset) {
        queue[queue.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + view.length);
      } else {
        queue.push(view);
      }
      queued += view.length;
      const w = wake;
      wake = undefined;
      w?.();
    },
    end() {
      if (state === "cancelled") return discardDone();
      if (state !== "open") return;
      state = "ended";
      settle();
    },
    fail(error) {
      if (state === "cancelled") return discardDone();
      fail(transportError(error, context));
    },
  };

  /** Copies up to `room` queued bytes into `target` (or a new array), giving the views back; returns the bytes. */
  const take = (room: number, target?: Uint8Array): Uint8Array => {
    const n = Math.min(room, queued);
    // Not zero-filled (every byte is written next), and never from the shared pool: a byte stream transfers it.
    const out = target ?? Buffer.allocUnsafeSlow(n);
    let at = 0;
    while (at < n) {
      const view = queue[0]!;
      const part = Math.min(view.length, n - at);
      out.set(part === view.length ? view : view.subarray(0, part), at);
      at += part;
      if (part === view.length) {
        queue.shift();
        connection.release(view);
      } else {
        queue[0] = view.subarray(part);
        connection.release(view.subarray(0, part));
      }
    }
    queued -= n;
    return out.subarray(0, n);
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      type: "bytes",
      start(c) {
        controller = c as unknown as ReadableByteStreamController;
        if (signal?.aborted) return onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
      },
      async pull() {
        while (queued === 0 && state === "open") {
          if (idleTimeout > 0) {
            waitingSince = performance.now();
            timer ??= setTimeout(checkIdle, idleTimeout);
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
        const request = controller.byobRequest;
        if (queued > 0) {
          const view = request?.view;
          if (view) {
            const bytes = take(view.byteLength, new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
            request.respond(bytes.byteLength);
          } else {
            controller.enqueue(take(MAX_CHUNK) as Uint8Array<ArrayBuffer>);
          }
        } else if (state === "ended") {
          controller.close();
          request?.respond(0);
        } else if (state === "failed") {
          controller.error(failure);
        }
      },
      cancel() {
        if (state !== "open") return;
        state = "cancelled";
        settle();
        for (const view of queue) connection.release(view);
        queue.length = 0;
        queued = 0;
        // A small rest (a registry's error JSON) is read to its end so the connection is reused; a large one or a
        // slow one is cut off. Resolves once the connection is free or gone, so a request sent next can reuse it.
        if (options.length === undefined || options.length - received > DISCARD_LIMIT) {
          connection.destroy();
          return;
        }
        return new Promise<void>((resolve) => {
          discarded = resolve;
          discardTimer = setTimeout(() => {
            connection.destroy();
            discardDone();
          }, DISCARD_DEADLINE_MS);
        });
      },
    },
    { highWaterMark: 0 },
  );
  return { sink, stream };
}
