// The low-speed rule of every response body the client reads (curl's --speed-limit/--speed-time, git's
// http.lowSpeedLimit/lowSpeedTime): a registry that sends one byte every few seconds keeps each read under the
// transport's idle timeout, and would keep a pull alive for as long as it likes. So a body must bring at least
// `limit` bytes per second on average over each window of `time` ms spent waiting for it, or it is cut with TIMEOUT
// (a blob download then resumes from what it holds, up to `blobAttempts`). Only time spent waiting for the registry
// counts: a caller that reads slowly (a slow disk, a handler that takes its time) never trips it.
import { OciError, passBytes, redactUrl, type Transport } from "@toci/spec-types";

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
  let cancelSource: (reason: unknown) => Promise<void> = () => Promise.resolve();
  const clock = new WaitClock(rule, what, (error) => {
    cancelSource(error).catch(() => {});
  });
  return passBytes(body, {
    open: (cancel) => {
      cancelSource = cancel;
    },
    reading: () => clock.start(),
    // A read the clock cut (the body cancelled under it) ends the stream with the clock's error.
    read: () => clock.stop(),
    chunk: (bytes) => clock.count(bytes.byteLength),
    end: () => clock.end(),
    failed: () => clock.end(),
    cancelled: () => clock.end(),
  });
}

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

  /** The read ended (what it brought is counted next); throws when the clock cut the body meanwhile. */
  stop(): void {
    if (this.#since !== undefined) this.#waited += Date.now() - this.#since;
    this.#since = undefined;
    if (this.failure) throw this.failure;
  }

  /** The read brought `bytes`; a full window is judged, and throws when it brought too little. */
  count(bytes: number): void {
    this.#bytes += bytes;
    if (this.#waited >= this.#rule.time) this.#judge();
    if (this.failure) throw this.failure;
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
