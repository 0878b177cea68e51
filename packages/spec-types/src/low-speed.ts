// The low-speed rule of a response body (curl's --speed-limit/--speed-time, git's http.lowSpeedLimit/lowSpeedTime):
// a registry that sends one byte every few seconds keeps each read under a transport's idle timeout, and would keep
// a pull alive for as long as it likes. So a body must bring at least `limit` bytes per second on average over each
// window of `time` ms spent waiting for it, or it is cut with TIMEOUT. Only time spent waiting for the registry
// counts: a caller that reads slowly (a slow disk, a handler that takes its time) never trips it.
//
// The client applies the rule to every body it reads. A transport that can apply it inside its own body stream
// (`appliesLowSpeed`) is handed the rule with each request; any other transport's bodies are wrapped in a second
// stream by the client. One clock serves both, so the rule reads the same either way.
import { OciError } from "./errors.js";
import type { Transport } from "./transport.js";

/** At least `limit` bytes per second over each window of `time` ms spent waiting for a body; `limit` 0 is off. */
export interface LowSpeedRule {
  limit: number;
  time: number;
}

/**
 * A transport that applies a request's `lowSpeed` rule to the response body itself (an optional ability: a
 * caller that finds it hands the rule over instead of wrapping every body in a stream of its own).
 */
export interface LowSpeedTransport extends Transport {
  readonly appliesLowSpeed: true;
}

/** Whether a transport applies a request's `lowSpeed` rule itself. */
export function appliesLowSpeed(transport: Transport): transport is LowSpeedTransport {
  return (transport as Partial<LowSpeedTransport>).appliesLowSpeed === true;
}

/**
 * The time spent waiting for one body, judged window by window. A reader calls `start()` when it begins to wait for
 * bytes, `stop()` when the wait ends, and `count()` with the bytes it got. One timer per window, not per read (a
 * 256 MiB body is thousands of reads): it fires when the window could have ended and, when the reader took some of
 * that time (not waiting for the body), is set again for what is left. A window that brought too little sets
 * `failure` and calls `cut`, from the timer (a body that stopped: no read returns to judge it) or from `count`.
 */
export class LowSpeedClock {
  /** Set once a window brought too little. */
  failure: OciError | undefined;
  readonly #rule: LowSpeedRule;
  readonly #what: () => string;
  readonly #cut: (error: OciError) => void;
  /** Bytes a window must bring: the limit over the window. */
  readonly #needed: number;
  /** The current window: time spent waiting for the body, and what it brought. */
  #waited = 0;
  #bytes = 0;
  /** When the wait under way started (undefined: none is). */
  #since: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `what` names the body in the error (built only then); `cut` ends the body with it. */
  constructor(rule: LowSpeedRule, what: () => string, cut: (error: OciError) => void) {
    this.#rule = rule;
    this.#what = what;
    this.#cut = cut;
    this.#needed = (rule.limit * rule.time) / 1000;
  }

  /** A wait for the body starts. */
  start(): void {
    this.#since = Date.now();
    if (this.#timer === undefined) this.#arm(this.#rule.time - this.#waited);
  }

  /** The wait ended (what it brought is counted next). */
  stop(): void {
    if (this.#since !== undefined) this.#waited += Date.now() - this.#since;
    this.#since = undefined;
  }

  /** The body brought `bytes`; a full window is judged (and the body cut when it brought too little). */
  count(bytes: number): void {
    this.#bytes += bytes;
    if (this.failure || this.#waited < this.#rule.time) return;
    this.#judge();
    if (this.failure) this.#cut(this.failure);
  }

  /** The body ended or was cancelled: no more timer. */
  end(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, ms));
    // The timer outlives the wait that set it: where the runtime can (Node), it must not keep a process alive on its
    // own (a body left unread). A wait under way keeps it alive through its connection anyway.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** The window could have ended: judged if it did (a wait that outlasts it, on a body that stopped, included). */
  #tick(): void {
    this.#timer = undefined;
    if (this.failure || this.#since === undefined) return; // no wait under way: the next one sets the timer again
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

  /** Ends the window: the next starts, or `failure` is set when it brought too little. */
  #judge(): void {
    if (this.#bytes >= this.#needed) {
      this.#waited = 0;
      this.#bytes = 0;
      return;
    }
    const { limit, time } = this.#rule;
    this.failure = new OciError("TIMEOUT", `${this.#what()}: less than ${limit} bytes/s over ${time / 1000} s`, {
      detail: { lowSpeedLimit: limit, lowSpeedTime: time, bytes: this.#bytes },
    });
    this.end();
  }
}
