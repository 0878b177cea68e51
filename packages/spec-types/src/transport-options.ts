// The options every Transport shares (retry, timeouts, redirects, warnings, User-Agent), their documented defaults,
// and their normalisation into an all-required shape, done once per transport (docs/architecture.md §4 item 8): the
// request path never re-checks `undefined`. Each transport's own options extend these with what only it can offer
// (fetch: an injected fetch, the redirect mode; node:http: pools, TLS, proxies). Pure, like retry-policy.ts.

import { OciError } from "./errors.js";
import type { RetryPolicy } from "./retry-policy.js";
import type { HttpMethod } from "./transport.js";
import type { TransportWarning } from "./warning-policy.js";

/** When and how often a failed request is sent again. */
export interface RetryOptions {
  /**
   * How many times a request may be re-sent after its first attempt; 0 disables retries.
   * @default 2
   */
  limit?: number;
  /**
   * The methods that may be re-sent. POST and PATCH never are, even when listed: neither is idempotent.
   * PUT and DELETE are idempotent per RFC 9110 §9.2.2; re-sending the final PUT of an upload whose first attempt
   * did reach the registry answers 404 `BLOB_UPLOAD_UNKNOWN` (the session is gone), which the client treats as
   * "check whether the blob exists".
   * @default ["GET", "HEAD", "PUT", "DELETE"]
   */
  methods?: readonly HttpMethod[];
  /**
   * The statuses that are transient and re-sent: 408 Request Timeout, 429 Too Many Requests, and the 5xx that
   * mean "try again" (500, 502, 503, 504). Network errors (refused, reset, DNS) are always retried.
   * @default [408, 429, 500, 502, 503, 504]
   */
  statusCodes?: readonly number[];
  /**
   * The delay before the first retry, in ms; it doubles with each retry, and a random half of it is jitter
   * ("equal jitter": the wait is between half and all of the backoff), so clients that failed together do not
   * retry together.
   * @default 250
   */
  backoffBase?: number;
  /**
   * The longest backoff between two attempts, in ms (before jitter).
   * @default 10_000
   */
  backoffMax?: number;
  /**
   * The longest `Retry-After` (seconds or an HTTP date, RFC 9110 §10.2.3) the transport waits, in ms. A response
   * asking for a longer wait is not retried: it is returned as it is, so the caller sees the 429/503 and its
   * `Retry-After` instead of a request that hangs for an hour (Docker Hub's rate limit asks for hours).
   * @default 60_000
   */
  maxRetryAfter?: number;
}

/** The options every transport takes. Every field is optional; `undefined` means the default. */
export interface CommonTransportOptions {
  /** Retry policy; see {@link RetryOptions}. `false` disables retries. */
  retry?: RetryOptions | false;
  /**
   * How long one attempt may take until its response headers arrive, in ms; then it fails with `TIMEOUT`.
   * The response body is not covered (a 1 GiB blob takes what it takes): see {@link idleTimeout}. 0 disables it.
   * Each transport documents what it counts (the whole attempt, or time without progress).
   * @default 30_000
   */
  timeout?: number;
  /**
   * How long a response body may go without a byte while the transport waits for one, in ms; then the body
   * stream errors with `TIMEOUT` and the connection is closed. Time the caller spends not reading does not
   * count. 0 disables it.
   * @default 30_000
   */
  idleTimeout?: number;
  /**
   * How many redirects one request may follow before the last redirect response is returned as it is.
   * @default 10
   */
  maxRedirects?: number;
  /**
   * Whether a redirect from https: to http: is followed. Off by default: a downgrade exposes the request and the
   * response to anyone on the path; the redirect response is returned instead, as it is.
   * @default false
   */
  allowInsecureRedirects?: boolean;
  /**
   * Called once for each distinct `Warning: 299 - "text"` header a registry sends (distribution-spec:
   * "SHOULD show to the user unobtrusively, SHOULD de-duplicate, MUST NOT act on them").
   * @default undefined (warnings are ignored)
   */
  onWarning?: (warning: TransportWarning) => void;
  /**
   * The `User-Agent` sent when a request has none.
   * @default "toci" (a transport may leave it unset where sending one costs, e.g. a CORS preflight in browsers)
   */
  userAgent?: string;
}

/** The common options after normalisation: nothing is left undefined except what may stay so. */
export interface NormalizedTransportOptions {
  retry: RetryPolicy;
  timeout: number;
  idleTimeout: number;
  maxRedirects: number;
  allowInsecureRedirects: boolean;
  onWarning: ((warning: TransportWarning) => void) | undefined;
  userAgent: string | undefined;
}

/** The retry defaults of every transport (documented on {@link RetryOptions}). */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  limit: 2,
  methods: ["GET", "HEAD", "PUT", "DELETE"] as HttpMethod[],
  statusCodes: [408, 429, 500, 502, 503, 504],
  backoffBase: 250,
  backoffMax: 10_000,
  maxRetryAfter: 60_000,
});

const NEVER_RETRIED: ReadonlySet<string> = new Set(["POST", "PATCH"]);

/**
 * Fills in every default of the common options and checks ranges once; throws `INVALID_ARGUMENT` on a nonsensical
 * value. `defaultUserAgent` is the transport's (undefined: send none unless asked).
 */
export function normalizeTransportOptions(
  options: CommonTransportOptions,
  defaultUserAgent: string | undefined,
): NormalizedTransportOptions {
  const retry: RetryPolicy =
    options.retry === false ? { ...DEFAULT_RETRY, limit: 0 } : { ...DEFAULT_RETRY, ...defined(options.retry) };
  return {
    retry: {
      ...retry,
      methods: retry.methods.map((m) => m.toUpperCase() as HttpMethod).filter((m) => !NEVER_RETRIED.has(m)),
      limit: countOption("retry.limit", retry.limit),
      backoffBase: millisecondsOption("retry.backoffBase", retry.backoffBase),
      backoffMax: millisecondsOption("retry.backoffMax", retry.backoffMax),
      maxRetryAfter: millisecondsOption("retry.maxRetryAfter", retry.maxRetryAfter),
    },
    timeout: millisecondsOption("timeout", options.timeout ?? 30_000),
    idleTimeout: millisecondsOption("idleTimeout", options.idleTimeout ?? 30_000),
    maxRedirects: countOption("maxRedirects", options.maxRedirects ?? 10),
    allowInsecureRedirects: options.allowInsecureRedirects ?? false,
    onWarning: options.onWarning,
    userAgent: options.userAgent ?? defaultUserAgent,
  };
}

/** The fields of an options object that are not `undefined` (so that spreading them keeps the defaults). */
function defined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** An integer ≥ `min`, or `INVALID_ARGUMENT` naming the option. */
export function countOption(name: string, value: number, min = 0): number {
  if (!Number.isInteger(value) || value < min) {
    throw new OciError("INVALID_ARGUMENT", `${name} must be an integer ≥ ${min}, got ${value}`);
  }
  return value;
}

/** A delay in ms that setTimeout can wait, or `INVALID_ARGUMENT` naming the option. */
export function millisecondsOption(name: string, value: number): number {
  // 2^31 - 1 ms is the longest setTimeout delay; longer values fire at once.
  if (!(value >= 0) || value > 2_147_483_647) {
    throw new OciError("INVALID_ARGUMENT", `${name} must be between 0 and 2147483647 ms, got ${value}`);
  }
  return value;
}
