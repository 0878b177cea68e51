// The retry policy of transports, as a readable ladder (docs/architecture.md §4 item 7): what may be re-sent, after which
// failures, and how long to wait. Pure and transport-neutral, so every Transport (fetch, node:http) decides alike;
// each runs its own loop (attempt counting, the wait, abort during the wait).
import type { HttpMethod, TransportBody } from "./transport.js";

/** A transport's retry settings, every field filled in (see a transport's documented defaults). */
export interface RetryPolicy {
  /** Re-sends after the first attempt; 0 disables retries. */
  limit: number;
  /** Methods that may be re-sent (idempotent ones). */
  methods: readonly HttpMethod[];
  /** Statuses that are transient. */
  statusCodes: readonly number[];
  /** First backoff in ms, doubling per retry. */
  backoffBase: number;
  /** Longest backoff in ms. */
  backoffMax: number;
  /** Longest Retry-After honoured, in ms; a longer one ends the retries. */
  maxRetryAfter: number;
}

/**
 * Parses a `Retry-After` value (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns the wait in ms
 * (0 for a date in the past), or undefined when the value is neither.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP-date: IMF-fixdate, or the obsolete RFC 850 and asctime forms, which Date.parse also reads. A bare
  // number with a sign or a fraction is neither form, so it is rejected above and here.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * The backoff before retry number `retry` (1 for the first): base × 2^(retry-1), capped at max, with "equal
 * jitter" (half fixed, half random) so that it never drops to zero and clients that failed together spread out.
 */
export function backoffDelay(retry: number, base: number, max: number, random: () => number = Math.random): number {
  const full = Math.min(max, base * 2 ** Math.max(0, retry - 1));
  return full / 2 + (random() * full) / 2;
}

/** Whether a body can be sent again: bytes, strings and Blobs can; a stream is read once. */
export function isReplayable(body: TransportBody | null | undefined): boolean {
  return body === undefined || body === null || !(body instanceof ReadableStream);
}

/** Whether a request may be re-sent at all: an idempotent method, a replayable body, and a limit above 0. */
export function isRetryable(method: HttpMethod, body: TransportBody | null | undefined, retry: RetryPolicy): boolean {
  return retry.limit > 0 && retry.methods.includes(method) && isReplayable(body);
}

/** What a failed attempt leads to: another attempt after `delay` ms, or the end (give up with what we have). */
export type RetryDecision = { retry: true; delay: number } | { retry: false };

/**
 * Decides whether an attempt that failed is tried again. The request itself is known to be retryable
 * ({@link isRetryable}) and the attempt count within the limit; this looks at the failure only:
 *
 * 1. a response with a status not in `statusCodes`: no (4xx are the caller's business);
 * 2. a response with a `Retry-After` longer than `maxRetryAfter`: no (return the response; waiting that long
 *    inside one request helps nobody);
 * 3. a response with a usable `Retry-After`: yes, after exactly that long (no jitter: the server chose);
 * 4. a response otherwise: yes, after the backoff;
 * 5. a network error (refused, reset, DNS, TLS): yes, after the backoff;
 * 6. anything else (timeout, abort, a programming error): no.
 */
export function decideRetry(
  failure: { response: { status: number; headers: Headers } } | { networkError: true } | { other: unknown },
  retryCount: number,
  retry: RetryPolicy,
  random?: () => number,
): RetryDecision {
  if ("response" in failure) {
    const { status, headers } = failure.response;
    if (!retry.statusCodes.includes(status)) return { retry: false };
    const after = parseRetryAfter(headers.get("retry-after"));
    if (after !== undefined) {
      return after > retry.maxRetryAfter ? { retry: false } : { retry: true, delay: after };
    }
    return { retry: true, delay: backoffDelay(retryCount, retry.backoffBase, retry.backoffMax, random) };
  }
  if ("networkError" in failure) {
    return { retry: true, delay: backoffDelay(retryCount, retry.backoffBase, retry.backoffMax, random) };
  }
  return { retry: false };
}
