// One attempt of one hop: a connection from the pool (direct, or through the proxy that applies), the request
// head and body written with back-pressure, and the response head awaited under the per-attempt timeout and the
// caller's signal. The body that follows is a web stream fed by the connection (response-body.ts).

import {
  type FailureContext,
  type Hop,
  type LowSpeedRule,
  type OciError,
  timeoutError,
  transportError,
} from "@toci/spec-types";
import type { HeaderList } from "./headers.js";
import { whenAborted } from "./internal/abort-listeners.js";
import type { Connection } from "./internal/connection.js";
import type { DialTarget } from "./internal/dial.js";
import type { Pool } from "./internal/pool.js";
import type { ResponseHead } from "./internal/response-head.js";
import type { NormalizedOptions } from "./options.js";
import { proxyFor } from "./proxy.js";
import type { PreparedBody, RequestSink } from "./request-body.js";
import { type ResponseBody, responseBody } from "./response-body.js";

/** What one transport shares between its requests. */
export interface Shared {
  options: NormalizedOptions;
  pool: Pool;
  report: (warning: string | null, url: string) => void;
}

/** The answer of one attempt: its head, and its body when it has one. */
export interface Answer {
  status: number;
  headers: HeaderList;
  body: ResponseBody | null;
}

/** What the caller asked of every attempt: its signal, and the low-speed rule of the body (undefined: none). */
export interface Caller {
  signal: AbortSignal | undefined;
  lowSpeed: LowSpeedRule | undefined;
}

/** Failures of an attempt on a reused connection that the server had already closed (see transport.ts). */
export const staleConnection = new WeakSet<OciError>();

/** Sends one request; resolves when the response head arrives. */
export async function attempt(shared: Shared, hop: Hop, body: PreparedBody | null, caller: Caller): Promise<Answer> {
  const { options, pool } = shared;
  const { signal } = caller;
  const context: FailureContext = { method: hop.method, url: hop.url.href, signal };
  const proxy = proxyFor(options.proxy, hop.url);
  const target: DialTarget = { url: hop.url, proxy, tls: options.tlsFor(hop.url.origin) };
  const clock = new Clock(options.timeout, context);
  try {
    const key = `${hop.url.origin}|${proxy?.key ?? ""}`;
    // An idle connection at hand needs no signal for the wait: the combined one (AbortSignal.any, ~20 µs on Node
    // 20) is built only when the request has to dial or wait for a connection.
    const connection =
      pool.idle(key) ??
      (await pool.acquire(key, target, clock.signal(signal)).catch((error: unknown) => {
        throw transportError(clock.expired ?? error, context);
      }));
    const proxyAuthorization = proxy ? (proxy.authorization ?? "") : false;
    const lowSpeed = caller.lowSpeed;
    return await exchange({ shared, hop, body, connection, clock, context, proxy: proxyAuthorization, lowSpeed });
  } finally {
    clock.stop();
  }
}

/**
 * The per-attempt timeout. It counts time without progress, not the attempt's length: a 1 GiB PUT on a slow link
 * may take an hour, and only then can the registry answer. Progress is the socket taking another part of the body;
 * from the body's end, the registry has `timeout` ms to answer. One coarse timer, re-armed only when it fires.
 * Until there is a connection to destroy, it aborts the wait for one.
 */
class Clock {
  /** The timeout's error once it fired. */
  expired: OciError | undefined;
  /** Whether the whole request has been handed to the socket. */
  sent = false;
  onTimeout: (error: OciError) => void;
  readonly #local = new AbortController();
  readonly #timeout: number;
  readonly #context: FailureContext;
  #since = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(timeout: number, context: FailureContext) {
    this.#timeout = timeout;
    this.#context = context;
    this.onTimeout = (error) => this.#local.abort(error);
    if (timeout > 0) this.#timer = setTimeout(this.#check, timeout);
  }

  /** The caller's signal and this timeout's, for the wait for a connection. */
  signal(caller: AbortSignal | undefined): AbortSignal {
    return caller ? AbortSignal.any([caller, this.#local.signal]) : this.#local.signal;
  }

  progress(): void {
    this.#since = performance.now();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  readonly #check = () => {
    if (this.#stopped) return;
    const quiet = performance.now() - this.#since;
    if (quiet < this.#timeout) {
      this.#timer = setTimeout(this.#check, this.#timeout - quiet);
      return;
    }
    const what = this.sent ? "no response headers" : "the request body made no progress";
    this.expired = timeoutError(this.#context, what, this.#timeout);
    this.onTimeout(this.expired);
  };
}

/** What {@link exchange} needs: the request, its connection, its clock, and the proxy's credentials (or `false`). */
interface ExchangeOptions {
  shared: Shared;
  hop: Hop;
  body: PreparedBody | null;
  connection: Connection;
  clock: Clock;
  context: FailureContext;
  /** The proxy's `Proxy-Authorization` ("" without credentials), or `false` when the request goes direct. */
  proxy: string | false;
  /** The low-speed rule of the response body. */
  lowSpeed: LowSpeedRule | undefined;
}

/** Writes the request on its connection; resolves with the response head, rejects when none comes. */
function exchange(options: ExchangeOptions): Promise<Answer> {
  const { hop, body, connection, clock, context, proxy } = options;
  return new Promise<Answer>((resolve, reject) => {
    const caller = context.signal;
    clock.onTimeout = (error) => connection.destroy(error);
    if (caller?.aborted) {
      connection.unused();
      return reject(transportError(caller.reason, context));
    }
    const stopListening = caller
      ? whenAborted(caller, () => connection.destroy(transportError(caller.reason, context)))
      : () => {};
    const settle = () => {
      clock.stop();
      stopListening();
    };
    connection.begin({
      method: hop.method,
      head: (head) => {
        settle();
        const answer = toAnswer(options, head);
        resolve(answer);
        return answer.body?.sink;
      },
      error: (error, stale) => {
        settle();
        const failure = transportError(error, context);
        if (stale) staleConnection.add(failure);
        reject(failure);
      },
    });
    const framing = requestFraming(hop, body);
    const sink = requestSink(connection, framing, () => {
      clock.sent = true;
      clock.progress();
      connection.requestDone();
    });
    connection.socket.cork();
    connection.socket.write(requestHead(hop, proxy, framing));
    if (body === null) sink.end();
    else body.write(sink, () => clock.progress()).catch((error: unknown) => connection.destroy(error as Error));
    process.nextTick(() => connection.socket.uncork());
  });
}

function toAnswer({ shared, connection, context, lowSpeed }: ExchangeOptions, head: ResponseHead): Answer {
  const { framing } = head;
  return {
    status: head.status,
    headers: head.headers,
    body:
      framing.type === "none"
        ? null
        : responseBody(connection, {
            idleTimeout: shared.options.idleTimeout,
            context,
            length: framing.type === "length" ? framing.length : undefined,
            lowSpeed,
          }),
  };
}

/** A Content-Length the caller set (for a stream body whose length it knows). */
function declaredLength(headers: Headers): number | undefined {
  const value = headers.get("content-length");
  return value !== null && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/** How a request's body is framed: by its length (0 for a POST, PUT or PATCH without one), chunked, or none. */
type RequestFraming = { type: "length"; length: number } | { type: "chunked" } | { type: "none" };

function requestFraming(hop: Hop, body: PreparedBody | null): RequestFraming {
  if (body === null) return /^(POST|PUT|PATCH)$/.test(hop.method) ? { type: "length", length: 0 } : { type: "none" };
  const length = body.length ?? declaredLength(hop.headers);
  return length === undefined ? { type: "chunked" } : { type: "length", length };
}

/**
 * The request line and header fields (RFC 9112 §3): the absolute URL when an http: request goes to a proxy
 * (absolute-form, §3.2.2), with the proxy's own credentials; the path otherwise (origin-form). Through a CONNECT
 * tunnel the request is the registry's alone: the proxy's credentials went in the CONNECT request.
 */
function requestHead(hop: Hop, proxyAuthorization: string | undefined | false, framing: RequestFraming): string {
  const { url } = hop;
  const absolute = proxyAuthorization !== false && url.protocol === "http:";
  const target = absolute ? `${url.origin}${url.pathname}${url.search}` : `${url.pathname}${url.search}`;
  const lines = [`${hop.method} ${target} HTTP/1.1`, `host: ${url.host}`];
  for (const [name, value] of hop.headers) {
    if (name === "host" || name === "connection" || name === "transfer-encoding" || name === "content-length") continue;
    lines.push(`${name}: ${value}`);
  }
  if (framing.type === "length") lines.push(`content-length: ${framing.length}`);
  if (framing.type === "chunked") lines.push("transfer-encoding: chunked");
  if (absolute && proxyAuthorization) lines.push(`proxy-authorization: ${proxyAuthorization}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/**
 * Writes a body to the socket in its framing; `done` runs once the last byte is handed over. A body whose bytes
 * differ from its declared length would desynchronise the connection: it is cut instead.
 */
function requestSink(connection: Connection, framing: RequestFraming, done: () => void): RequestSink {
  const { socket } = connection;
  let written = 0;
  // Writes the socket has not finished (their callbacks tell), for flushed(): a body reusing its buffer waits for
  // them (or for the socket's close).
  let pending = 0;
  let flushWaiters: (() => void)[] = [];
  const finished = () => {
    if (--pending > 0) return;
    const waiters = flushWaiters;
    flushWaiters = [];
    for (const wake of waiters) wake();
  };
  const send = (data: Uint8Array | string): boolean => {
    pending++;
    return socket.write(data, finished);
  };
  return {
    write(chunk) {
      written += chunk.byteLength;
      if (framing.type === "chunked") {
        send(`${chunk.byteLength.toString(16)}\r\n`);
        send(chunk);
        return send("\r\n");
      }
      if (framing.type === "length" && written > framing.length) {
        connection.destroy(new Error(`the body is longer than its Content-Length ${framing.length}`));
        return false;
      }
      return send(chunk);
    },
    end() {
      if (framing.type === "chunked") socket.write("0\r\n\r\n");
      else if (framing.type === "length" && written !== framing.length) {
        connection.destroy(new Error(`the body is shorter than its Content-Length ${framing.length}`));
        return;
      }
      done();
    },
    get destroyed() {
      return socket.destroyed;
    },
    drained: () => waitDrain(socket),
    flushed: () =>
      pending === 0 || socket.destroyed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const wake = () => {
              socket.off("close", wake);
              resolve();
            };
            flushWaiters.push(wake);
            socket.on("close", wake);
          }),
  };
}

/** Resolves when the socket can take more (its buffer emptied), or is gone. */
function waitDrain(socket: Connection["socket"]): Promise<void> {
  return new Promise<void>((resolve) => {
    const finish = () => {
      socket.off("drain", finish);
      socket.off("close", finish);
      resolve();
    };
    socket.on("drain", finish);
    socket.on("close", finish);
  });
}
