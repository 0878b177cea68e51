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
// does not read does not make the body idle. A request's low-speed rule (spec-types' low-speed.ts) is judged over
// the same waits, here rather than in a second stream around the body. Failure (the connection cut, the idle
// timeout, the low-speed rule, the caller's abort) errors the stream with NETWORK, TIMEOUT or ABORTED and destroys
// the connection; cancel() reads a small rest of the body to its end (the connection is reused) and destroys the
// connection of a large one.
//
// The stream is built only when the caller asks for it: a small body read whole (`bytes()`: a manifest, a tag list,
// a token) is taken straight from the connection's views, without a stream (on Node 20 each ReadableStream costs
// ~20 µs to build, a tenth of a tag listing's CPU, and garbage with native handles to collect).

import {
  abortError,
  type FailureContext,
  isOciError,
  LowSpeedClock,
  type LowSpeedRule,
  readAll,
  redactUrl,
  timeoutError,
  transportError,
} from "@toci/spec-types";
import { whenAborted } from "./internal/abort-listeners.js";
import type { BodySink, Connection } from "./internal/connection.js";

/** A body being received: the sink the connection feeds, and what the caller reads, as a stream or whole. */
export interface ResponseBody {
  sink: BodySink;
  /** The body's stream, built at the first access. */
  readonly stream: ReadableStream<Uint8Array>;
  /** The whole body without a stream; undefined past `maxBytes` (the body is then cancelled). */
  bytes(maxBytes: number): Promise<Uint8Array | undefined>;
  /** Drops the body (through its stream when one was built). */
  discard(): Promise<void>;
}

/** What a body needs besides its connection; `length` is its announced length (undefined when chunked or to the close). */
export interface BodyOptions {
  idleTimeout: number;
  context: FailureContext;
  length: number | undefined;
  /** The request's low-speed rule (undefined: none). */
  lowSpeed?: LowSpeedRule | undefined;
}

// A rest of body longer than this is not read to its end to save the connection when the caller cancels (or a
// redirect's or a retried 503's body is discarded): a new connection costs less.
const DISCARD_LIMIT = 64 * 1024;
// How long discarding a body may take before the connection is closed instead.
const DISCARD_DEADLINE_MS = 2000;
// The most a default read takes at once (a BYOB read takes what its view holds).
const MAX_CHUNK = 1024 * 1024;

/** A body over `connection`. */
export function responseBody(connection: Connection, options: BodyOptions): ResponseBody {
  return new Body(connection, options);
}

/** readAll's TOO_LARGE as `bytes()` reports it: undefined. */
function overCap(error: unknown): undefined {
  if (isOciError(error) && error.code === "TOO_LARGE") return undefined;
  throw error;
}

/** The state of one body: the views lent by the connection and not yet read, and how the body ends. */
class Body implements BodySink, ResponseBody {
  readonly #connection: Connection;
  readonly #options: BodyOptions;
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #received = 0;
  #state: "open" | "ended" | "failed" | "cancelled" = "open";
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  #controller!: ReadableByteStreamController;
  #stream: ReadableStream<Uint8Array> | undefined;
  /** Whether `bytes()` took the body (the stream is then an empty, errored one). */
  #readWhole = false;
  // One coarse timer per body, re-armed only when it fires, instead of a setTimeout/clearTimeout pair per chunk.
  #waitingSince = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  // A cancelled body being read to its end: resolves cancel() once the connection is free (or gone).
  #discarded: (() => void) | undefined;
  #discardTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #onAbort = () => this.#fail(abortError(this.#options.context));
  #stopListening: () => void = () => {};
  /** The low-speed rule's clock: it runs while a read waits, as the idle timer does; made at the first wait. */
  #lowSpeed: LowSpeedClock | undefined;

  constructor(connection: Connection, options: BodyOptions) {
    this.#connection = connection;
    this.#options = options;
    const { signal } = options.context;
    if (signal?.aborted) this.#onAbort();
    else if (signal) this.#stopListening = whenAborted(signal, this.#onAbort);
  }

  get sink(): BodySink {
    return this;
  }

  get stream(): ReadableStream<Uint8Array> {
    this.#stream ??= new ReadableStream<Uint8Array>(
      {
        type: "bytes",
        start: (controller) => {
          this.#controller = controller as unknown as ReadableByteStreamController;
          if (this.#readWhole) controller.error(new TypeError("the body was read whole"));
        },
        pull: () => this.pull(),
        cancel: () => this.cancel(),
      },
      { highWaterMark: 0 },
    );
    return this.#stream;
  }

  async bytes(maxBytes: number): Promise<Uint8Array | undefined> {
    // A caller that looked at `body` first built the stream: read through it then (a locked one throws).
    if (this.#stream) return readAll(this.#stream, maxBytes).catch(overCap);
    if (this.#readWhole) throw new TypeError("the body was already read");
    this.#readWhole = true;
    const { length } = this.#options;
    if (length !== undefined && length > maxBytes) {
      await this.cancel();
      return undefined;
    }
    // With its length announced, the body is copied into one array of that size as it comes (the connection never
    // hands over more than the length): no array per read and no second copy to join them. A 64 KiB blob arrives in
    // up to four reads from distribution.
    const whole = length === undefined ? undefined : Buffer.allocUnsafeSlow(length);
    // The framing never gives more than the length; were it to, the array's end is a cap like maxBytes.
    const cap = whole ? whole.length : maxBytes;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      if (this.#queued === 0 && this.#state === "open") await this.#wait();
      if (this.#queued > 0) {
        // Past the cap: dropped like a cancelled body.
        if (total + this.#queued > cap) {
          await this.cancel();
          return undefined;
        }
        const part = this.#take(this.#queued, whole?.subarray(total));
        this.#lowSpeed?.count(part.byteLength);
        total += part.byteLength;
        if (!whole) parts.push(part);
      } else if (this.#state === "failed") {
        throw this.#failure;
      } else {
        break; // ended
      }
    }
    if (whole) return whole.subarray(0, total);
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }

  discard(): Promise<void> {
    return this.#stream ? this.#stream.cancel() : Promise.resolve(this.cancel());
  }

  push(view: Buffer): void {
    this.#received += view.length;
    if (this.#state === "cancelled") {
      this.#connection.release(view);
      if (this.#received > DISCARD_LIMIT) this.#connection.destroy();
      return;
    }
    const last = this.#queue.at(-1);
    // The next bytes of the same buffer: one larger view instead of two.
    if (last && last.buffer === view.buffer && last.byteOffset + last.length === view.byteOffset) {
      this.#queue[this.#queue.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + view.length);
    } else {
      this.#queue.push(view);
    }
    this.#queued += view.length;
    this.#wakeUp();
  }

  end(): void {
    if (this.#state === "cancelled") {
      this.#discardDone();
      return;
    }
    if (this.#state !== "open") return;
    this.#state = "ended";
    this.#settle();
  }

  fail(error: Error): void {
    if (this.#state === "cancelled") this.#discardDone();
    else this.#fail(transportError(error, this.#options.context));
  }

  async pull(): Promise<void> {
    if (this.#queued === 0 && this.#state === "open") await this.#wait();
    const controller = this.#controller;
    const request = controller.byobRequest;
    if (this.#queued > 0) {
      const view = request?.view;
      const target = view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : undefined;
      const bytes = this.#take(view ? view.byteLength : MAX_CHUNK, target);
      // A window of waits that brought too little ends the body here (the clock failed it).
      this.#lowSpeed?.count(bytes.byteLength);
      if (this.#state === "failed") controller.error(this.#failure);
      else if (request && view) request.respond(bytes.byteLength);
      else controller.enqueue(bytes as Uint8Array<ArrayBuffer>);
    } else if (this.#state === "ended") {
      controller.close();
      request?.respond(0);
    } else if (this.#state === "failed") {
      controller.error(this.#failure);
    }
  }

  cancel(): Promise<void> | undefined {
    if (this.#state !== "open") return;
    this.#state = "cancelled";
    this.#settle();
    for (const view of this.#queue) this.#connection.release(view);
    this.#queue.length = 0;
    this.#queued = 0;
    // A small rest (a registry's error JSON) is read to its end so the connection is reused; a large one or a
    // slow one is cut off. Resolves once the connection is free or gone, so a request sent next can reuse it.
    const { length } = this.#options;
    if (length === undefined || length - this.#received > DISCARD_LIMIT) {
      this.#connection.destroy();
      return;
    }
    return new Promise<void>((resolve) => {
      this.#discarded = resolve;
      this.#discardTimer = setTimeout(() => {
        this.#connection.destroy();
        this.#discardDone();
      }, DISCARD_DEADLINE_MS);
    });
  }

  /** Waits until bytes are queued or the body ends, under the idle timeout and the low-speed rule. */
  async #wait(): Promise<void> {
    const { idleTimeout, lowSpeed, context } = this.#options;
    if (lowSpeed && !this.#lowSpeed) {
      const what = () => `${context.method} ${redactUrl(context.url)}`;
      this.#lowSpeed = new LowSpeedClock(lowSpeed, what, (error) => this.#fail(error));
      // What was read before the first wait belongs to the first window.
      this.#lowSpeed.count(this.#received - this.#queued);
    }
    while (this.#queued === 0 && this.#state === "open") {
      if (idleTimeout > 0) {
        this.#waitingSince = performance.now();
        this.#timer ??= setTimeout(this.#checkIdle, idleTimeout);
      }
      this.#lowSpeed?.start();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#lowSpeed?.stop();
    }
  }

  /** Copies up to `room` queued bytes into `target` (or a new array), giving the views back; returns the bytes. */
  #take(room: number, target?: Uint8Array): Uint8Array {
    const n = Math.min(room, this.#queued);
    // Not zero-filled (every byte is written next), and never from the shared pool: a byte stream transfers it.
    const out = target ?? Buffer.allocUnsafeSlow(n);
    let at = 0;
    while (at < n) {
      const view = this.#queue[0]!;
      const part = Math.min(view.length, n - at);
      out.set(part === view.length ? view : view.subarray(0, part), at);
      at += part;
      if (part === view.length) {
        this.#queue.shift();
        this.#connection.release(view);
      } else {
        this.#queue[0] = view.subarray(part);
        this.#connection.release(view.subarray(0, part));
      }
    }
    this.#queued -= n;
    return out.subarray(0, n);
  }

  #fail(error: Error): void {
    if (this.#state !== "open") return;
    this.#state = "failed";
    this.#failure = error;
    this.#settle();
    this.#connection.destroy(error);
  }

  readonly #checkIdle = () => {
    this.#timer = undefined;
    const { idleTimeout, context } = this.#options;
    if (this.#state !== "open" || !this.#wake) return;
    const idle = performance.now() - this.#waitingSince;
    if (idle >= idleTimeout) this.#fail(timeoutError(context, "no data", idleTimeout));
    else this.#timer = setTimeout(this.#checkIdle, idleTimeout - idle);
  };

  #settle(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lowSpeed?.end();
    this.#stopListening();
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #discardDone(): void {
    clearTimeout(this.#discardTimer);
    const done = this.#discarded;
    this.#discarded = undefined;
    done?.();
  }
}
