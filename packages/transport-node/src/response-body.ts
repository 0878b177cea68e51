// Response bodies: a web ReadableStream built directly over node:http's IncomingMessage, with as little as
// possible per chunk. The chunks are the Buffers the socket read (Node reads up to 64 KiB at a time), enqueued as
// they are: no copy, no `Readable.toWeb` (which copies every chunk to detach it from Node's buffer pool), and a
// default stream rather than a byte stream (a byte stream transfers, hence detaches, the buffer of every chunk it
// is given; the Buffers of a socket read share one). A Buffer is a Uint8Array, which is all the contract promises.
//
// Back-pressure: the stream buffers up to HIGH_WATER_MARK bytes ahead of the reader; past that the message is
// paused, which stops reading the socket, so TCP holds the server back. The idle timeout counts only the time the
// transport waits for bytes it wants (a read pending or the buffer below the mark); a caller that does not read
// does not make the body idle. Failure (the connection cut, the idle timeout, the caller's abort) errors the
// stream with NETWORK, TIMEOUT or ABORTED and destroys the connection; cancel() reads a small body to its end (the
// connection is reused) and destroys the connection of a large one.

import type { IncomingMessage } from "node:http";
import { abortError, type FailureContext, timeoutError, transportError } from "./errors.js";

/**
 * How many bytes the stream reads ahead of its reader. A chunk or two of slack keeps the socket reading while the
 * reader works on the previous chunk (hashing, writing a file) instead of pausing and resuming it at each chunk.
 */
const HIGH_WATER_MARK = 1024 * 1024;

/** A ReadableStream over a response; the message must not have been read from yet. */
export function responseBody(
  message: IncomingMessage,
  options: { idleTimeout: number; context: FailureContext },
): ReadableStream<Uint8Array> {
  const { idleTimeout, context } = options;
  const { signal } = context;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let finished = false;
  // Whether the transport wants bytes and none has come since `since` (performance.now()).
  let waiting = false;
  let since = 0;
  // One coarse timer per body, re-armed only when it fires, instead of a setTimeout/clearTimeout pair per chunk.
  let timer: ReturnType<typeof setTimeout> | undefined;

  const finish = () => {
    finished = true;
    clearTimeout(timer);
    timer = undefined;
    signal?.removeEventListener("abort", onAbort);
    message.off("data", onData);
    message.off("end", onEnd);
    message.off("error", onError);
    message.off("close", onClose);
  };
  const fail = (error: unknown) => {
    if (finished) return;
    finish();
    controller.error(error);
    message.destroy();
  };
  const onAbort = () => fail(abortError(context));
  const onData = (chunk: Buffer) => {
    controller.enqueue(chunk);
    if (controller.desiredSize! <= 0) {
      message.pause();
      waiting = false;
    } else if (idleTimeout > 0) {
      since = performance.now();
    }
  };
  const onEnd = () => {
    if (finished) return;
    finish();
    controller.close();
  };
  const onError = (error: Error) => fail(transportError(error, context));
  // A message that closes before its end: the connection was cut, or its Content-Length lied (distribution 2.8.2's
  // 416), which node:http reports with 'close' and `complete === false` rather than always with an error.
  const onClose = () => {
    if (!message.complete) fail(transportError(new Error("the connection closed before the body ended"), context));
  };
  const checkIdle = () => {
    timer = undefined;
    if (finished || !waiting) return;
    const idle = performance.now() - since;
    if (idle >= idleTimeout) fail(timeoutError(context, "no data", idleTimeout));
    else timer = setTimeout(checkIdle, idleTimeout - idle);
  };

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        if (signal?.aborted) return onAbort();
        // Cut before the stream existed: its 'close' has been and gone.
        if (message.destroyed) return fail(transportError(new Error("the connection closed"), context));
        signal?.addEventListener("abort", onAbort, { once: true });
        message.on("data", onData);
        message.on("end", onEnd);
        message.on("error", onError);
        message.on("close", onClose);
      },
      pull() {
        if (finished) return;
        if (idleTimeout > 0 && !waiting) {
          waiting = true;
          since = performance.now();
          timer ??= setTimeout(checkIdle, idleTimeout);
        }
        if (message.isPaused()) message.resume();
      },
      cancel() {
        if (finished) return;
        finish();
        // A small body (a registry's error JSON, a 2-byte /v2/) is read to its end so its connection is reused;
        // a large one is cut off (discardBody decides). Resolves once the connection is back in the pool or gone.
        return discardBody(message);
      },
    },
    { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );
}

// How long discarding a body may take before the connection is closed instead: a redirect's or a 503's body is a
// few hundred bytes that arrived with the headers; one that trickles is not worth waiting for.
const DISCARD_DEADLINE_MS = 2000;
// A body longer than this is not read to its end to save the connection: a new connection costs less.
const DISCARD_LIMIT = 64 * 1024;

/**
 * Gets rid of a body the caller will never see (a redirect's, a retried 503's). A small body is read to its end,
 * which puts the connection back in the pool; a large or slow one closes the connection.
 */
export function discardBody(message: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (message.readableEnded || message.destroyed) return resolve();
    const length = Number(message.headers["content-length"] ?? 0);
    if (length > DISCARD_LIMIT) {
      message.destroy();
      return resolve();
    }
    let seen = 0;
    const deadline = setTimeout(() => message.destroy(), DISCARD_DEADLINE_MS);
    message.on("data", (chunk: Buffer) => {
      seen += chunk.byteLength;
      if (seen > DISCARD_LIMIT) message.destroy();
    });
    message.on("error", () => {});
    message.once("close", () => {
      clearTimeout(deadline);
      resolve();
    });
  });
}
