// The retry ladder every transport uses (retry-policy.ts): Retry-After, backoff, which failures are retried.
import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  DEFAULT_RETRY,
  decideRetry,
  isRetryable,
  parseRetryAfter,
  type RetryPolicy,
} from "../src/index.js";

/** The transports' defaults (their values are asserted in transport-options.test.ts). */
const retry: RetryPolicy = { ...DEFAULT_RETRY };

describe("parseRetryAfter", () => {
  const now = Date.parse("Sun, 29 Nov 2026 00:00:00 GMT");
  it.each([
    ["0", 0],
    ["7", 7000],
    [" 120 ", 120_000],
    ["Sun, 29 Nov 2026 00:00:30 GMT", 30_000],
    ["Sunday, 29-Nov-26 00:00:30 GMT", 30_000],
    ["Sun Nov 29 00:00:30 2026", 30_000],
    ["Sat, 28 Nov 2026 23:00:00 GMT", 0],
  ])("%j → %i ms", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
  it.each([null, "", "-5", "1.5", "soon", "1e3"])("%j → undefined", (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe("backoffDelay", () => {
  it("doubles from the base, caps at the max, and keeps half of it fixed", () => {
    expect(backoffDelay(1, 250, 10_000, () => 0)).toBe(125);
    expect(backoffDelay(1, 250, 10_000, () => 1)).toBe(250);
    expect(backoffDelay(3, 250, 10_000, () => 1)).toBe(1000);
    expect(backoffDelay(20, 250, 10_000, () => 1)).toBe(10_000);
    expect(backoffDelay(20, 250, 10_000, () => 0)).toBe(5000);
  });
});

describe("retry ladder", () => {
  const response = (status: number, retryAfter?: string) =>
    new Response(null, { status, headers: retryAfter === undefined ? {} : { "retry-after": retryAfter } });
  it("retries the listed statuses after the backoff, or exactly the Retry-After", () => {
    expect(decideRetry({ response: response(503) }, 1, retry, () => 1)).toEqual({ retry: true, delay: 250 });
    expect(decideRetry({ response: response(429, "3") }, 1, retry)).toEqual({ retry: true, delay: 3000 });
    expect(decideRetry({ response: response(408) }, 2, retry, () => 0)).toEqual({ retry: true, delay: 250 });
  });
  it("gives up on other statuses and on a Retry-After beyond the cap", () => {
    expect(decideRetry({ response: response(404) }, 1, retry)).toEqual({ retry: false });
    expect(decideRetry({ response: response(501) }, 1, retry)).toEqual({ retry: false });
    expect(decideRetry({ response: response(429, "3600") }, 1, retry)).toEqual({ retry: false });
  });
  it("retries network errors, nothing else", () => {
    expect(decideRetry({ networkError: true }, 1, retry).retry).toBe(true);
    expect(decideRetry({ other: new TypeError("bug") }, 1, retry).retry).toBe(false);
  });
  it("only idempotent methods with replayable bodies are retryable", () => {
    expect(isRetryable("GET", null, retry)).toBe(true);
    expect(isRetryable("PUT", new Uint8Array(3), retry)).toBe(true);
    expect(isRetryable("PUT", new Blob(["x"]), retry)).toBe(true);
    expect(isRetryable("DELETE", undefined, retry)).toBe(true);
    expect(isRetryable("PUT", new ReadableStream(), retry)).toBe(false);
    expect(isRetryable("POST", "x", retry)).toBe(false);
    expect(isRetryable("PATCH", "x", retry)).toBe(false);
    expect(isRetryable("GET", null, { ...retry, limit: 0 })).toBe(false);
  });
});
