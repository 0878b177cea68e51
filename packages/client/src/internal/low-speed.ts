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
      // The body's name is built only for an error: most bodies never need it.
      const what = () => `${request.method} ${redactUrl(request.url)}`;
      return { ...response, body: lowSpeedGuard(response.body, rule, what) };
    },
  };
}

/** `body`, cut with TIMEOUT once a window of waiting brings less than the rule asks. `what` names it in the error. */
export function lowSpeedGuard(
  body: ReadableStream<Uint8Array>,
  rule: LowSpeed,
  what: string | (() => string),
): ReadableStream<Uint8Array> {
  if (rule.limit <= 0 || rule.time <= 0) return body;
  const source = new Source(body);
  /** Bytes a window must bring: the limit over the window. */
  const needed = (rule.limit * rule.time) / 1000;
  /** The current window: time spent waiting for the body, and what it brought. */
  let waited = 0;
  let bytes = 0;
  /** The size of the next buffer of our own (a default read after BYOB ones): see FIRST_READ. */
  let next = FIRST_READ;
  /** Ends the window: the body is cut when it brought too little. */
  const judge = async (): Promise<void> => {
    if (bytes >= needed) {
      waited = 0;
      bytes = 0;
      return;
    }
    const name = typeof what === "string" ? what : what();
    const error = new OciError("TIMEOUT", `${name}: less than ${rule.limit} bytes/s over ${rule.time / 1000} s`, {
      detail: { lowSpeedLimit: rule.limit, lowSpeedTime: rule.time, bytes },
    });
    await source.cancel(error).catch(() => {});
    throw error;
  };
  return new ReadableStream(
    {
      type: "bytes",
      async pull(controller) {
        const request = controller.byobRequest;
        const view = request?.view;
        const reader = source.open(view != null);
        const byob = source.byob;
        const own = view ? undefined : next;
        const read: Promise<ReadableStreamReadResult<Uint8Array>> = byob
          ? byob.read(view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : new Uint8Array(next))
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
          if (result.value.byteLength === own) next = Math.min(READ, own * 2);
          if (waited >= rule.time) await judge();
          // Read into the lent view: answered with it. Else enqueued (which also fills a lent view), transferring the
          // buffer: ours when read here, else a copy (a body's chunk may be memory its source still uses).
          if (byob && view) request!.respondWithNewView(result.value as Uint8Array<ArrayBuffer>);
          else controller.enqueue((byob ? result.value : new Uint8Array(result.value)) as Uint8Array<ArrayBuffer>);
          return;
        }
      },
      async cancel(reason) {
        await source.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * The guarded body's reader, opened the way the first read asks. A reader with a buffer of its own (BYOB: a pull
 * reads every blob into one) has it handed on to a byte-stream body: no copy and no allocation per read. A default
 * reader (a manifest, a tag list, a token read whole) gets the body's own chunks, copied at their size: reading them
 * into a buffer of ours would allocate one per read (see FIRST_READ).
 */
class Source {
  /** The BYOB reader, when the body is a byte stream and the first read brought a buffer. */
  byob: ReadableStreamBYOBReader | undefined;
  #reader: ReadableStreamBYOBReader | ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #body: ReadableStream<Uint8Array>;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#body = body;
  }

  open(withBuffer: boolean): ReadableStreamBYOBReader | ReadableStreamDefaultReader<Uint8Array> {
    if (this.#reader) return this.#reader;
    try {
      if (withBuffer) this.byob = this.#body.getReader({ mode: "byob" });
    } catch {
      // not a byte stream: read by default
    }
    this.#reader = this.byob ?? this.#body.getReader();
    return this.#reader;
  }

  cancel(reason: unknown): Promise<void> {
    return this.#reader ? this.#reader.cancel(reason) : this.#body.cancel(reason);
  }
}

/** A read without a buffer of the reader's own takes at most this much from a byte stream. */
const READ = 256 * 1024;
/**
 * The first such read's buffer, doubled after each read that fills it, up to READ: a zero-filled 256 KiB buffer per
 * read of a small body (a tag list, a token, a manifest of a few KB) cost a tag listing four times node:http's CPU
 * (the bench's metadata row).
 */
const FIRST_READ = 16 * 1024;

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
