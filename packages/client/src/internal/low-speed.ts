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
  const clock = new WaitClock(rule, what, (error) => {
    source.cancel(error).catch(() => {});
  });
  return new ReadableStream(
    {
      type: "bytes",
      async pull(controller) {
        const request = controller.byobRequest;
        const view = request?.view;
        const reader = source.open(view != null);
        const byob = source.byob;
        clock.start();
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await (byob
            ? byob.read(
                view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : new Uint8Array(source.next),
              )
            : (reader as ReadableStreamDefaultReader<Uint8Array>).read());
        } finally {
          clock.stop();
        }
        // A read the clock cut (the body cancelled under it) ends the stream with the clock's error.
        if (clock.failure) throw clock.failure;
        if (result.done) {
          clock.end();
          controller.close();
          // A BYOB read at the end gives the (transferred) view back, empty.
          if (byob && view) request!.respondWithNewView((result.value ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>);
          else request?.respond(0);
          return;
        }
        clock.count(result.value.byteLength);
        if (byob && !view) source.grow(result.value.byteLength);
        if (clock.failure) {
          await reader.cancel(clock.failure).catch(() => {});
          throw clock.failure;
        }
        // Read into the lent view: answered with it. Else enqueued (which also fills a lent view), transferring the
        // buffer: ours when read here, else a copy (a body's chunk may be memory its source still uses).
        if (byob && view) request!.respondWithNewView(result.value as Uint8Array<ArrayBuffer>);
        else controller.enqueue((byob ? result.value : new Uint8Array(result.value)) as Uint8Array<ArrayBuffer>);
      },
      async cancel(reason) {
        clock.end();
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
  /** The size of the next buffer of our own (a default read after BYOB ones): see FIRST_READ. */
  next = FIRST_READ;
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

  /** A read into our own buffer brought `bytes`: one it filled doubles the next. */
  grow(bytes: number): void {
    if (bytes === this.next) this.next = Math.min(READ, this.next * 2);
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

/**
 * The time spent waiting for one body, judged window by window. One timer per window, not per read (a 256 MiB
 * body is thousands of reads): it fires when the window could have ended, and, when the caller took some of that
 * time (not waiting for the body), is set again for what is left.
 */
class WaitClock {
  readonly #rule: LowSpeed;
  readonly #what: string | (() => string);
  readonly #cut: (error: OciError) => void;
  /** Bytes a window must bring: the limit over the window. */
  readonly #needed: number;
  /** The current window: time spent waiting for the body, and what it brought. */
  #waited = 0;
  #bytes = 0;
  /** When the read under way started (undefined: none is). */
  #since: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Set once a window brought too little. */
  failure: OciError | undefined;

  constructor(rule: LowSpeed, what: string | (() => string), cut: (error: OciError) => void) {
    this.#rule = rule;
    this.#what = what;
    this.#cut = cut;
    this.#needed = (rule.limit * rule.time) / 1000;
  }

  /** A read starts: waiting counts from now. */
  start(): void {
    this.#since = Date.now();
    if (this.#timer === undefined) this.#arm(this.#rule.time - this.#waited);
  }

  /** The read ended (what it brought is counted next). */
  stop(): void {
    if (this.#since !== undefined) this.#waited += Date.now() - this.#since;
    this.#since = undefined;
  }

  /** The read brought `bytes`; a full window is judged. */
  count(bytes: number): void {
    this.#bytes += bytes;
    if (this.#waited >= this.#rule.time) this.#judge();
  }

  /** The body ended or was cancelled: no more timer. */
  end(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, ms));
    // The timer outlives the read that set it: where the runtime can (Node), it must not keep a process alive on its
    // own (a body left unread). A read under way keeps it alive through its connection anyway.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** The window could have ended: judged if it did (a read that outlasts it, on a body that stopped, included). */
  #tick(): void {
    this.#timer = undefined;
    if (this.failure || this.#since === undefined) return; // no read waits: the next one sets the timer again
    const now = Date.now();
    const waited = this.#waited + (now - this.#since);
    if (waited < this.#rule.time) {
      this.#arm(this.#rule.time - waited);
      return;
    }
    this.#waited = waited;
    this.#since = now;
    this.#judge();
    if (this.failure) this.#cut(this.failure);
    else this.#arm(this.#rule.time);
  }

  /** Ends the window: the next starts, or the body is cut when it brought too little. */
  #judge(): void {
    if (this.#bytes >= this.#needed) {
      this.#waited = 0;
      this.#bytes = 0;
      return;
    }
    const { limit, time } = this.#rule;
    const what = typeof this.#what === "string" ? this.#what : this.#what();
    this.failure = new OciError("TIMEOUT", `${what}: less than ${limit} bytes/s over ${time / 1000} s`, {
      detail: { lowSpeedLimit: limit, lowSpeedTime: time, bytes: this.#bytes },
    });
    this.end();
  }
}
