// The response body the caller reads: fetch's body, passed through a thin pull-based stream that adds what
// fetch lacks — an idle timeout (no byte for N ms → TIMEOUT), an abort that errors the stream with ABORTED even
// when a custom fetch ignores the signal, and errors mapped to OciError (undici's "terminated" → NETWORK).
// Pull-based with highWaterMark 0: it holds no chunk of its own, so back-pressure reaches the socket, and the
// per-chunk cost is one promise and a clock read, small next to a 64 KiB chunk.
// A byte stream in front of a byte stream (Chromium's fetch bodies are): a caller reading with its own buffer (BYOB)
// has it filled by fetch directly, so a pull reading every body into one buffer costs no allocation per chunk. Read
// by default, fetch hands out a fresh buffer per chunk: in Chromium a first touch of fresh memory per byte and
// garbage that the page's main thread collects (half the speed of a pull into a browser store, and its long tasks).

import { type FailureContext, type OciError, timeoutError, transportError } from "@toci/spec-types";

/** A read without a buffer of the caller's own takes at most this much from a byte stream. */
const READ = 256 * 1024;

/**
 * Wraps a response body. On failure the source is cancelled, which makes fetch tear its connection down
 * (a half-read HTTP/1.1 response cannot be reused anyway).
 */
export function wrapBody(
  body: ReadableStream<Uint8Array>,
  options: { idleTimeout: number; context: FailureContext },
): ReadableStream<Uint8Array> {
  const { idleTimeout, context } = options;
  const { byob, reader } = readerOf(body);
  let controller!: ReadableStreamDefaultController<Uint8Array> | ReadableByteStreamController;
  let finished = false;
  // The idle timer is coarse on purpose: one timer per body, re-armed only when it fires, instead of a
  // setTimeout/clearTimeout pair per chunk (measured: ~8 µs per chunk, 8% of a 256 MiB GET's time). A read
  // that started at `readStarted` and is still pending when the timer fires for it has been idle too long.
  let readStarted = 0;
  let reading = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const fail = (error: OciError) => {
    if (finished) return;
    finish();
    controller.error(error);
    reader.cancel(error).catch(() => {});
  };
  const onAbort = () => fail(transportError(context.signal?.reason, context));
  const finish = () => {
    finished = true;
    clearTimeout(timer);
    context.signal?.removeEventListener("abort", onAbort);
  };
  const checkIdle = () => {
    timer = undefined;
    if (finished || !reading) return;
    const idle = performance.now() - readStarted;
    if (idle >= idleTimeout) {
      fail(timeoutError(context, "no data", idleTimeout));
    } else {
      timer = setTimeout(checkIdle, idleTimeout - idle);
    }
  };
  context.signal?.addEventListener("abort", onAbort, { once: true });

  const source: UnderlyingDefaultSource<Uint8Array> = {
    start(c) {
      controller = c;
      if (context.signal?.aborted) onAbort();
    },
    async pull() {
      if (finished) return;
      if (idleTimeout > 0) {
        readStarted = performance.now();
        reading = true;
        timer ??= setTimeout(checkIdle, idleTimeout);
      }
      // A caller's own buffer (a BYOB read of this stream) is lent to fetch, and answered with what fetch put in it.
      const request = byob ? (controller as ReadableByteStreamController).byobRequest : null;
      try {
        const result = await (byob ? byob.read(lentView(request)) : (reader as ReadableStreamDefaultReader).read());
        reading = false;
        if (finished) return;
        if (result.done) finish();
        answer(controller, request, result);
      } catch (error) {
        fail(transportError(error, context));
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  };
  return byob
    ? new ReadableStream({ ...(source as unknown as UnderlyingByteSource), type: "bytes" }, { highWaterMark: 0 })
    : new ReadableStream(source, { highWaterMark: 0 });
}

/** fetch's body with a BYOB reader when it is a byte stream, else a default one. */
function readerOf(body: ReadableStream<Uint8Array>) {
  try {
    const byob = body.getReader({ mode: "byob" });
    return { byob, reader: byob };
  } catch {
    // not a byte stream (undici's in some Node versions): read by default, and hand on its chunks as they are
    return { byob: undefined, reader: body.getReader() };
  }
}

/** The caller's view to read into, or a buffer of ours when the caller lent none. */
function lentView(request: ReadableStreamBYOBRequest | null): Uint8Array<ArrayBuffer> {
  const view = request?.view;
  return view ? new Uint8Array(view.buffer as ArrayBuffer, view.byteOffset, view.byteLength) : new Uint8Array(READ);
}

/** Hands on what one read of fetch's body gave. */
function answer(
  controller: ReadableStreamDefaultController<Uint8Array> | ReadableByteStreamController,
  request: ReadableStreamBYOBRequest | null,
  { done, value }: ReadableStreamReadResult<Uint8Array>,
): void {
  if (done) controller.close();
  // Read into the caller's view: answered with it (empty at the end: a BYOB read then gives the view back).
  if (request?.view) request.respondWithNewView((value ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>);
  // Else a default read's chunk (fetch's own, new for each read), or a read into a buffer of ours: handed on.
  else if (!done) controller.enqueue(value as Uint8Array<ArrayBuffer>);
}

// How long discarding a body may take before it is cancelled instead: a redirect's or a 503's body is a few
// hundred bytes that arrived with the headers; one that trickles is not worth waiting for.
const DISCARD_DEADLINE_MS = 2000;

/**
 * Gets rid of a body the caller will never see (a redirect's, a retried 503's). A small body is read to its end,
 * which leaves the connection reusable; cancelling a body still arriving makes undici close the connection, so
 * only a body longer than `limit` (or slower than 2 s) is cancelled: reading it all would cost more than a new
 * connection.
 */
export async function discardBody(body: ReadableStream<Uint8Array> | null, limit = 64 * 1024): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  const deadline = setTimeout(() => reader.cancel().catch(() => {}), DISCARD_DEADLINE_MS);
  try {
    let seen = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen > limit) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // The body failed while being discarded: nothing to report, the connection is gone either way.
  } finally {
    clearTimeout(deadline);
  }
}
