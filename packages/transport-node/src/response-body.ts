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
import { whenAborted } from "./internal/abort-listeners.js";
import type { BodySink, Connection } from "./internal/connection.js";

/** A body being received: the sink the connection feeds, and the stream the caller reads. */
export interface ResponseBody {
  sink: BodySink;
  stream: ReadableStream<Uint8Array>;
}

/** What a body needs besides its connection; `length` is its announced length (undefined when chunked or to the close). */
export interface BodyOptions {
  idleTimeout: number;
  context: FailureContext;
  length: number | undefined;
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
  const body = new Body(connection, options);
  const stream = new ReadableStream<Uint8Array>(
    {
      type: "bytes",
      start: (controller) => body.start(controller as unknown as ReadableByteStreamController),
      pull: () => body.pull(),
      cancel: () => body.cancel(),
    },
    { highWaterMark: 0 },
  );
  return { sink: body, stream };
}

/** The state of one body: the views lent by the connection and not yet read, and how the body ends. */
class Body implements BodySink {
  readonly #connection: Connection;
  readonly #options: BodyOptions;
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #received = 0;
  #state: "open" | "ended" | "failed" | "cancelled" = "open";
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  #controller!: ReadableByteStreamController;
  // One coarse timer per body, re-armed only when it fires, instead of a setTimeout/clearTimeout pair per chunk.
  #waitingSince = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  // A cancelled body being read to its end: resolves cancel() once the connection is free (or gone).
  #discarded: (() => void) | undefined;
  #discardTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #onAbort = () => this.#fail(abortError(this.#options.context));
  #stopListening: () => void = () => {};

  constructor(connection: Connection, options: BodyOptions) {
    this.#connection = connection;
    this.#options = options;
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

  start(controller: ReadableByteStreamController): void {
    this.#controller = controller;
    const { signal } = this.#options.context;
    if (signal?.aborted) this.#onAbort();
    else if (signal) this.#stopListening = whenAborted(signal, this.#onAbort);
  }

  async pull(): Promise<void> {
    const { idleTimeout } = this.#options;
    while (this.#queued === 0 && this.#state === "open") {
      if (idleTimeout > 0) {
        this.#waitingSince = performance.now();
        this.#timer ??= setTimeout(this.#checkIdle, idleTimeout);
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    const controller = this.#controller;
    const request = controller.byobRequest;
    if (this.#queued > 0) {
      const view = request?.view;
      if (view) {
        const bytes = this.#take(view.byteLength, new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
        request.respond(bytes.byteLength);
      } else {
        controller.enqueue(this.#take(MAX_CHUNK) as Uint8Array<ArrayBuffer>);
      }
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
