// The low-speed rule of every response body the client reads (curl's --speed-limit/--speed-time, git's
// http.lowSpeedLimit/lowSpeedTime): a registry that sends one byte every few seconds keeps each read under the
// transport's idle timeout, and would keep a pull alive for as long as it likes. So a body must bring at least
// `limit` bytes per second on average over each window of `time` ms spent waiting for it, or it is cut with TIMEOUT
// (a blob download then resumes from what it holds, up to `blobAttempts`). Only time spent waiting for the registry
// counts: a caller that reads slowly (a slow disk, a handler that takes its time) never trips it.
import { OciError, redactUrl, type Transport } from "@toci/spec-types";

/** The rule: at least `limit` bytes per second over `time` ms of waiting; `limit` 0 turns it off. */
export interface LowSpeed {
  limit: number;
  time: number;
}

/**
 * `transport` with the rule on every response body: registry requests, token requests, redirect targets alike. The
 * rule off (`limit` 0) gives `transport` itself.
 */
export function lowSpeedTransport(transport: Transport, rule: LowSpeed): Transport {
  if (rule.limit <= 0) return transport;
  return {
    async request(request) {
      const response = await transport.request(request);
      if (!response.body) return response;
      return { ...response, body: lowSpeedGuard(response.body, rule, `${request.method} ${redactUrl(request.url)}`) };
    },
  };
}

/** `body`, cut with TIMEOUT once a window of waiting brings less than the rule asks. `what` names it in the error. */
export function lowSpeedGuard(
  body: ReadableStream<Uint8Array>,
  rule: LowSpeed,
  what: string,
): ReadableStream<Uint8Array> {
  if (rule.limit <= 0 || rule.time <= 0) return body;
  // A byte stream in front of a byte stream: a reader's own buffer (a pull reading every blob into one) is handed on
  // to the body, so the guard costs no copy and no allocation per read.
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // not a byte stream: read by default
  }
  const reader = byob ?? body.getReader();
  /** Bytes a window must bring: the limit over the window. */
  const needed = (rule.limit * rule.time) / 1000;
  /** The current window: time spent waiting for the body, and what it brought. */
  let waited = 0;
  let bytes = 0;
  /** Ends the window: the body is cut when it brought too little. */
  const judge = async (): Promise<void> => {
    if (bytes >= needed) {
      waited = 0;
      bytes = 0;
      return;
    }
    const error = new OciError("TIMEOUT", `${what}: less than ${rule.limit} bytes/s over ${rule.time / 1000} s`, {
      detail: { lowSpeedLimit: rule.limit, lowSpeedTime: rule.time, bytes },
    });
    await reader.cancel(error).catch(() => {});
    throw error;
  };
  return new ReadableStream(
    {
      type: "bytes",
      async pull(controller) {
        const request = controller.byobRequest;
        const view = request?.view;
        const read: Promise<ReadableStreamReadResult<Uint8Array>> = byob
          ? byob.read(view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : new Uint8Array(READ))
          : (reader as ReadableStreamDefaultReader<Uint8Array>).read();
        for (;;) {
          const started = Date.now();
          // A read that outlasts the window (a body that stopped, and no idle timeout to end it) is judged when the
          // window ends, not when it returns.
          const result = await within(read, rule.time - waited);
          waited += Date.now() - started;
          if (result === undefined) {
            await judge();
            continue;
          }
          if (result.done) {
            controller.close();
            // A BYOB read at the end gives the (transferred) view back, empty.
            if (byob && view)
              request!.respondWithNewView((result.value ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>);
            else request?.respond(0);
            return;
          }
          bytes += result.value.byteLength;
          if (waited >= rule.time) await judge();
          // Read into the lent view: answered with it. Else enqueued, which transfers the buffer: ours when read here,
          // else a copy (a body's chunk may be memory its source still uses).
          if (byob && view) request!.respondWithNewView(result.value as Uint8Array<ArrayBuffer>);
          else controller.enqueue((byob ? result.value : new Uint8Array(result.value)) as Uint8Array<ArrayBuffer>);
          return;
        }
      },
      async cancel(reason) {
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** A read without a buffer of the reader's own takes at most this much from a byte stream. */
const READ = 256 * 1024;

/** The read's result, or undefined when `ms` pass first (the read goes on). */
async function within<T>(read: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
  });
  try {
    return await Promise.race([read, expired]);
  } finally {
    clearTimeout(timer);
  }
}
