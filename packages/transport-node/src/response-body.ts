// Response bodies: a web ReadableStream fed by a connection (internal/connection.ts) with as little as possible per
// chunk. The connection hands on views of the buffers the socket read into; views that follow one another in one
// buffer are joined here while the reader is busy, so a reader that takes its time gets up to 1 MiB per read, and
// one that keeps up gets each socket read as it lands. A Buffer is a Uint8Array, which is all the contract promises.
// A default stream, not a byte stream: a byte stream transfers (detaches) the buffer of each chunk it is given, and
// the socket goes on reading into the rest of that buffer.
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
// A body this small (or of unknown length: chunked) leaves as copies of its bytes, not views: a view keeps its whole
// 1 MiB read buffer alive, and a manifest or a tag list is kept (cached, parsed lazily) long after it was read.
const SMALL_BODY = 64 * 1024;

/** A body over `connection`; `length` is its announced length (undefined when chunked or read to the close). */
export function responseBody(
  connection: Connection,
  options: { idleTimeout: number; context: FailureContext; length: number | undefined },
): ResponseBody {
  const { idleTimeout, context } = options;
  const { signal } = context;
  const queue: Buffer[] = [];
  const small = options.length === undefined || options.length <= SMALL_BODY;
  let queued = 0;
  let received = 0;
  let state: "open" | "ended" | "failed" | "cancelled" = "open";
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
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
        connection.consumed(view.length);
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

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
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
        if (queued > 0) {
          const view = queue.shift()!;
          queued -= view.length;
          controller.enqueue(small ? Buffer.from(view) : view);
          connection.consumed(view.length);
        } else if (state === "ended") {
          controller.close();
        } else if (state === "failed") {
          controller.error(failure);
        }
      },
      cancel() {
        if (state !== "open") return;
        state = "cancelled";
        settle();
        connection.consumed(queued);
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
