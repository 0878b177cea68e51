// The low-speed rule on every response body the client reads (spec-types' low-speed.ts says what it is): a body cut
// by it ends with TIMEOUT, and a blob download then resumes from what it holds, up to `blobAttempts`. A transport
// that applies the rule itself (`appliesLowSpeed`, as @toci/transport-node does) is handed it with each request;
// any other transport's bodies are wrapped here in a guarding stream, a second stream per body.
import {
  appliesLowSpeed,
  LowSpeedClock,
  type LowSpeedRule,
  type OciError,
  redactUrl,
  type Transport,
} from "@toci/spec-types";

/** The rule: at least `limit` bytes per second over `time` ms of waiting; `limit` 0 turns it off. */
export type LowSpeed = LowSpeedRule;

/**
 * `transport` with the rule on every response body: registry requests, token requests, redirect targets alike. The
 * rule off (`limit` 0) gives `transport` itself.
 */
export function lowSpeedTransport(transport: Transport, rule: LowSpeed): Transport {
  if (rule.limit <= 0 || rule.time <= 0) return transport;
  if (appliesLowSpeed(transport)) {
    // No stream of ours around each body: the transport's own body keeps the rule (one stream per body, not two).
    const lowSpeed = { limit: rule.limit, time: rule.time };
    return { request: (request) => transport.request({ ...request, lowSpeed }) };
  }
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
  const name = typeof what === "string" ? () => what : what;
  const clock = new LowSpeedClock(rule, name, (error: OciError) => {
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
        // A window that brought too little: the clock cancelled the body underneath.
        if (clock.failure) throw clock.failure;
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
