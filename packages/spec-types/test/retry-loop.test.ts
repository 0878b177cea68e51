// The retry loop every transport runs (retry-loop.ts): attempts counted against the limit, a failed answer let go
// before the wait, a stale-connection resend that is not a retry and happens once, the wait cut short by an abort.
import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY, OciError, type RetryPolicy, retryLoop } from "../src/index.js";

const retry: RetryPolicy = { ...DEFAULT_RETRY, backoffBase: 1, backoffMax: 1 };
const context = { method: "GET", url: "http://r.test/" };
const answer = (status: number) => ({ status, headers: new Headers() });

describe("retryLoop", () => {
  it("retries a retried status up to the limit, letting each failed answer go, and returns the last", async () => {
    const seen: number[] = [];
    const discarded: number[] = [];
    const last = await retryLoop({
      retry,
      retryable: true,
      context,
      attempt: async () => {
        seen.push(seen.length + 1);
        return { ...answer(503), n: seen.length };
      },
      discard: async (a) => {
        discarded.push(a.n);
      },
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(discarded).toEqual([1, 2]);
    expect(last.n).toBe(3);
  });

  it("does not re-send what is not retryable, nor a failure other than NETWORK", async () => {
    let calls = 0;
    const once = await retryLoop({
      retry,
      retryable: false,
      context,
      attempt: async () => answer(500 + calls++),
      discard: async () => {},
    });
    expect(once.status).toBe(500);
    await expect(
      retryLoop({
        retry,
        retryable: true,
        context,
        attempt: async () => {
          calls++;
          throw new OciError("TIMEOUT", "slow");
        },
        discard: async () => {},
      }),
    ).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(calls).toBe(2);
  });

  it("resends once, uncounted, what resendOnce picks, even when the request is not retryable", async () => {
    let calls = 0;
    const stale = new OciError("NETWORK", "stale connection");
    const fail = async () => {
      calls++;
      throw stale;
    };
    const asked: OciError[] = [];
    const loop = { retry, context, attempt: fail, discard: async () => {} };
    await expect(retryLoop({ ...loop, retryable: false, resendOnce: (f) => asked.push(f) > 0 })).rejects.toBe(stale);
    expect(calls).toBe(2);
    expect(asked).toEqual([stale]);
    calls = 0;
    await expect(retryLoop({ ...loop, retryable: true, resendOnce: () => true })).rejects.toBe(stale);
    expect(calls).toBe(1 + 1 + retry.limit); // the resend, then the first attempt and its retries
  });

  it("rejects with ABORTED when the signal fires during the wait", async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = retryLoop({
      retry: { ...retry, backoffBase: 60_000, backoffMax: 60_000 },
      retryable: true,
      context: { ...context, signal: controller.signal },
      attempt: async () => {
        calls++;
        return answer(503);
      },
      discard: async () => {
        setTimeout(() => controller.abort(new Error("stop")), 10);
      },
    });
    await expect(run).rejects.toMatchObject({ code: "ABORTED" });
    expect(calls).toBe(1);
  });
});
