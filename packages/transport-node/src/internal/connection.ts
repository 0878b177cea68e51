// One HTTP/1.1 connection, read without per-chunk overhead: the socket reads straight into a 1 MiB buffer (net's
// `onread`, which takes the buffer for each next read from us), the response head is parsed from there, and the
// body is handed on as views of those bytes ("lent" until the body stream has copied them out). A read goes where
// the last one ended; once every lent byte is back, the next read starts over at the front of the same buffer, so
// the process keeps touching the same memory, hot in cache, instead of fresh pages (a first touch of fresh memory
// costs ~12 µs per 4 KiB page here: more than the hashing of the bytes). While the body's reader is busy, reads
// pile up behind one another and leave together; a buffer that fills while bytes are lent is swapped for a spare
// one (the previous buffer, once all of it is back). Past HIGH_WATER_MARK unread bytes the socket stops reading, so
// TCP holds the server back.
//
// A TLS socket over a proxy's CONNECT tunnel cannot take `onread` (Node ignores it when a socket is given), so there
// the bytes of each 'data' event are copied into the same buffers ("data" mode); everything after is the same.

import type { Socket } from "node:net";
import { ChunkedDecoder, MalformedResponse, parseHead, type ResponseHead } from "./response-head.js";

/** Where a response body goes: the transport's body stream (response-body.ts). */
export interface BodySink {
  /** Body bytes: a view lent to the sink, to be given back with `Connection.release` once its bytes are copied. */
  push(view: Buffer): void;
  end(): void;
  fail(error: Error): void;
}

/** The request in flight on a connection, as the connection reports to it. */
export interface Exchange {
  method: string;
  /** The head arrived; returns where the body goes (ignored for a response without a body). */
  head(head: ResponseHead): BodySink | undefined;
  /**
   * The connection failed before the head. `stale`: it had served a request before and failed before any byte of
   * this answer, which is how a keep-alive connection the server closed meanwhile looks (the request was not read).
   */
  error(error: Error, stale: boolean): void;
}

/** Reads land in buffers of this size: one read of up to 1 MiB where node:http reads 64 KiB. */
const BUFFER_SIZE = 1024 * 1024;
/** A read is given at least this much room; a fuller buffer is left to its readers and a new one started. */
const MIN_READ = 64 * 1024;
/** Unread body bytes past which the socket stops reading. */
const HIGH_WATER_MARK = 1024 * 1024;
/** The longest response head accepted (registries send a few hundred bytes; node:http allows 16 KiB). */
const MAX_HEAD = 64 * 1024;

/** A connection and its read state; `attach` gives it its socket. */
export class Connection {
  socket!: Socket;
  /** Requests sent on it so far. */
  requests = 0;
  closed = false;
  /** Called once the exchange is over: the connection is free (reusable) or gone. Set by the pool. */
  onFree: (reusable: boolean) => void = () => {};
  /** Called when an idle connection closes. Set by the pool. */
  onClose: () => void = () => {};

  #buffer: Buffer = Buffer.allocUnsafe(BUFFER_SIZE);
  #fill = 0;
  #parsed = 0;
  #phase: "idle" | "head" | "length" | "chunked" | "close" = "idle";
  #left = 0;
  #decoder = new ChunkedDecoder();
  #exchange: Exchange | undefined;
  #sink: BodySink | undefined;
  #keepAlive = false;
  #answered = false;
  #requestDone = false;
  #responseDone = false;
  #unread = 0;
  /** Bytes lent out per buffer (the current one, and a previous one whose views are still queued). */
  readonly #lent = new Map<ArrayBufferLike, number>();
  /** A buffer all of whose bytes came back, kept for the next swap. */
  #spare: Buffer | undefined;
  #paused = false;
  #error: Error | undefined;

  /** The `onread` option for net/tls.connect: reads land in our buffers. */
  readonly onread = {
    buffer: () => this.#nextReadBuffer(),
    callback: (n: number) => {
      this.#fill += n;
      this.#process();
      return !this.#paused;
    },
  };

  attach(socket: Socket, mode: "onread" | "data"): void {
    this.socket = socket;
    if (mode === "data") {
      socket.on("data", (data: Buffer) => {
        this.#makeRoom(data.length);
        data.copy(this.#buffer, this.#fill);
        this.#fill += data.length;
        this.#process();
      });
    }
    socket.on("error", (error) => {
      this.#error ??= error;
    });
    socket.on("close", () => this.#closed());
    // Ends the write side when the server ends its side (the default, made explicit: no half-open connections).
    socket.on("end", () => socket.destroy());
  }

  /** Starts an exchange; the caller writes the request. */
  begin(exchange: Exchange): void {
    this.requests++;
    this.#exchange = exchange;
    this.#phase = "head";
    this.#answered = false;
    this.#requestDone = false;
    this.#responseDone = false;
    this.#sink = undefined;
    this.#decoder = new ChunkedDecoder();
    this.socket.ref();
    if (this.#parsed < this.#fill) this.#process(); // bytes that came while idle: a protocol error
  }

  /** The request has been written in full (its last byte handed to the socket). */
  requestDone(): void {
    this.#requestDone = true;
    this.#maybeFree();
  }

  /** Stops reading the socket (the body's reader is behind). */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.socket.pause();
  }

  /** Reads again, once the body's reader caught up. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.socket.resume();
  }

  /** A lent view is back: the body's reader took (copied) its bytes, or they were dropped. */
  release(view: Buffer): void {
    this.#unread -= view.length;
    const key = view.buffer;
    const left = (this.#lent.get(key) ?? 0) - view.length;
    if (left > 0) this.#lent.set(key, left);
    else {
      this.#lent.delete(key);
      // A previous buffer whose last view came back: the spare for the next swap.
      if (key !== this.#buffer.buffer && this.#spare === undefined && key.byteLength === BUFFER_SIZE) {
        this.#spare = Buffer.from(key, 0, BUFFER_SIZE);
      }
    }
    if (this.#unread < HIGH_WATER_MARK) this.resume();
  }

  destroy(error?: Error): void {
    this.#error ??= error;
    this.socket?.destroy(); // no socket yet while it is being dialled
  }

  /** Hands back a connection that was acquired but carried no request (its request was aborted first). */
  unused(): void {
    this.socket.unref();
    this.onFree(!this.closed);
  }

  #nextReadBuffer(): Buffer {
    this.#makeRoom(MIN_READ);
    return this.#buffer.subarray(this.#fill);
  }

  /**
   * Room for `need` more bytes: the front of the buffer again when nothing in it is lent or unparsed, else the rest
   * of it, else another buffer (the spare, or a new one) with the unparsed bytes carried over (part of a head or of
   * a chunk-size line: small).
   */
  #makeRoom(need: number): void {
    if (this.#parsed === this.#fill && !this.#lent.has(this.#buffer.buffer)) {
      this.#parsed = this.#fill = 0;
    }
    if (this.#buffer.length - this.#fill >= need) return;
    const keep = this.#buffer.subarray(this.#parsed, this.#fill);
    const size = Math.max(BUFFER_SIZE, keep.length + need + MIN_READ);
    const spare = this.#spare;
    const next = spare && spare.length >= size ? spare : Buffer.allocUnsafe(size);
    this.#spare = undefined;
    keep.copy(next, 0);
    // The buffer left behind becomes the spare at once when nothing in it is lent (else when its last view is back).
    if (!this.#lent.has(this.#buffer.buffer) && this.#buffer.length === BUFFER_SIZE) this.#spare = this.#buffer;
    this.#buffer = next;
    this.#fill = keep.length;
    this.#parsed = 0;
  }

  #process(): void {
    try {
      while (this.#parsed < this.#fill) {
        if (this.#phase === "idle") throw new MalformedResponse("bytes from the server with no request in flight");
        this.#answered = true;
        if (this.#phase === "head") {
          if (!this.#readHead()) return;
        } else if (this.#phase === "length") {
          const take = Math.min(this.#left, this.#fill - this.#parsed);
          this.#push(this.#parsed, this.#parsed + take);
          this.#parsed += take;
          this.#left -= take;
          if (this.#left === 0) this.#endResponse();
        } else if (this.#phase === "chunked") {
          const at = this.#decoder.decode(this.#buffer, this.#parsed, this.#fill, (view) =>
            this.#push(
              view.byteOffset - this.#buffer.byteOffset,
              view.byteOffset - this.#buffer.byteOffset + view.length,
            ),
          );
          const progressed = at > this.#parsed;
          this.#parsed = at;
          if (this.#decoder.done) this.#endResponse();
          else if (!progressed) return;
        } else {
          this.#push(this.#parsed, this.#fill);
          this.#parsed = this.#fill;
        }
      }
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  /** Parses a head once it is complete; false while it is not. */
  #readHead(): boolean {
    const end = this.#buffer.indexOf("\r\n\r\n", this.#parsed, "latin1");
    if (end < 0 || end + 4 > this.#fill) {
      if (this.#fill - this.#parsed > MAX_HEAD) throw new MalformedResponse(`a response head over ${MAX_HEAD} bytes`);
      return false;
    }
    const exchange = this.#exchange!;
    const head = parseHead(this.#buffer.toString("latin1", this.#parsed, end), exchange.method);
    this.#parsed = end + 4;
    if (head.status < 200 && head.status !== 101) return true; // 1xx: informational, the real head follows
    this.#keepAlive = head.keepAlive;
    const sink = exchange.head(head);
    if (head.framing.type === "none" || !sink) {
      this.#endResponse();
      return true;
    }
    this.#sink = sink;
    if (head.framing.type === "length") {
      this.#phase = "length";
      this.#left = head.framing.length;
    } else {
      this.#phase = head.framing.type;
      if (head.framing.type === "close") this.#keepAlive = false;
    }
    return true;
  }

  #push(from: number, to: number): void {
    if (to === from) return;
    this.#unread += to - from;
    const key = this.#buffer.buffer;
    this.#lent.set(key, (this.#lent.get(key) ?? 0) + to - from);
    this.#sink!.push(this.#buffer.subarray(from, to));
    if (this.#unread >= HIGH_WATER_MARK) this.pause();
  }

  #endResponse(): void {
    this.#phase = "idle";
    this.#responseDone = true;
    const sink = this.#sink;
    this.#sink = undefined;
    // Bytes beyond the response: the server sent more than it framed; the connection cannot be trusted again.
    if (this.#parsed < this.#fill) this.#keepAlive = false;
    sink?.end();
    this.#maybeFree();
  }

  #maybeFree(): void {
    if (!this.#responseDone || this.#exchange === undefined) return;
    if (!this.#requestDone) {
      // Answered before the request body was sent (a 401 or 413 to an upload): the rest cannot follow on this
      // connection, and the server may never read it.
      this.#exchange = undefined;
      this.destroy();
      this.onFree(false);
      return;
    }
    this.#exchange = undefined;
    const reusable = this.#keepAlive && !this.closed;
    if (!reusable) this.socket.destroy();
    else this.socket.unref(); // an idle connection does not keep the process alive
    this.onFree(reusable);
  }

  #closed(): void {
    this.closed = true;
    const exchange = this.#exchange;
    this.#exchange = undefined;
    if (!exchange) {
      this.onClose();
      return;
    }
    const error = this.#error;
    if (this.#phase === "head") {
      const stale = this.requests > 1 && !this.#answered;
      exchange.error(error ?? Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), stale);
    } else if (this.#phase === "close" && !error) {
      this.#sink?.end();
    } else if (this.#sink) {
      this.#sink.fail(error ?? new Error("the connection closed before the body ended"));
    }
    this.#sink = undefined;
    this.#phase = "idle";
    this.onFree(false);
  }
}
