// The response body the caller reads: fetch's body, passed through spec-types' passBytes with what fetch lacks: an
// idle timeout (no byte for N ms → TIMEOUT), an abort that errors the stream with ABORTED even when a custom fetch
// ignores the signal, and errors mapped to OciError (undici's "terminated" → NETWORK).
// passBytes is pull-based with highWaterMark 0: it holds no chunk of its own, so back-pressure reaches the socket,
// and the per-chunk cost is one promise and a clock read, small next to a 64 KiB chunk. It is a byte stream in front
// of a byte stream (Chromium's fetch bodies are): a caller reading with its own buffer (BYOB) has it filled by fetch
// directly, so a pull reading every body into one buffer costs no allocation per chunk. Read by default, fetch hands
// out a fresh buffer per chunk: in Chromium a first touch of fresh memory per byte and garbage that the page's main
// thread collects (half the speed of a pull into a browser store, and its long tasks).

import { type FailureContext, type OciError, passBytes, timeoutError, transportError } from "@toci/spec-types";

/**
 * Wraps a response body. On failure the source is cancelled, which makes fetch tear its connection down
 * (a half-read HTTP/1.1 response cannot be reused anyway).
 */
export function wrapBody(
  body: ReadableStream<Uint8Array>,
  options: { idleTimeout: number; context: FailureContext },
): ReadableStream<Uint8Array> {
  const { idleTimeout, context } = options;
  let cancelSource: (reason: unknown) => Promise<void> = () => Promise.resolve();
  /** Why the body was cut from outside a read's answer (the signal, the idle timer); the next read ends with it. */
  let failure: OciError | undefined;
  let finished = false;
  // The idle timer is coarse on purpose: one timer per body, re-armed only when it fires, instead of a
  // setTimeout/clearTimeout pair per chunk (measured: ~8 µs per chunk, 8% of a 256 MiB GET's time). A read
  // that started at `readStarted` and is still pending when the timer fires for it has been idle too long.
  let readStarted = 0;
  let reading = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const finish = () => {
    finished = true;
    clearTimeout(timer);
    context.signal?.removeEventListener("abort", onAbort);
  };
  // Cancelling the source ends a read under way; the read's answer then gives way to the failure (see `read`).
  const fail = (error: OciError) => {
    if (finished) return;
    failure = error;
    finish();
    cancelSource(error).catch(() => {});
  };
  const onAbort = () => fail(transportError(context.signal?.reason, context));
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

  const stream = passBytes(body, {
    open: (cancel) => {
      cancelSource = cancel;
    },
    reading() {
      if (failure) throw failure;
      if (idleTimeout > 0) {
        readStarted = performance.now();
        reading = true;
        timer ??= setTimeout(checkIdle, idleTimeout);
      }
    },
    read() {
      reading = false;
      if (failure) throw failure;
    },
    end: finish,
    mapError: (error) => failure ?? transportError(error, context),
    failed: finish,
    cancelled: finish,
  });
  context.signal?.addEventListener("abort", onAbort, { once: true });
  if (context.signal?.aborted) onAbort();
  return stream;
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
