// One attempt and the retry loop around it, seen through the `fetch` option: the per-attempt timeout holds even
// against a fetch that ignores its signal, a late answer is let go, and network failures are retried up to the limit.
import { describe, expect, it } from "vitest";
import { type FetchFunction, fetchTransport } from "../src/index.js";

describe("attempts", () => {
  it("times out a fetch that ignores its signal, once (TIMEOUT is not retried), and cancels its late answer", async () => {
    let calls = 0;
    let cancelled = false;
    let answered!: () => void;
    const late = new Promise<void>((resolve) => {
      answered = resolve;
    });
    const fetch: FetchFunction = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 150));
      const body = new ReadableStream<Uint8Array>({
        cancel() {
          cancelled = true;
        },
      });
      setTimeout(answered, 50);
      return new Response(body);
    };
    const transport = fetchTransport({ fetch, timeout: 20, retry: { backoffBase: 1 } });
    await expect(transport.request({ method: "GET", url: "http://r.test/slow" })).rejects.toMatchObject({
      code: "TIMEOUT",
      message: expect.stringContaining("no response headers for 20 ms"),
    });
    await late;
    expect(calls).toBe(1);
    expect(cancelled).toBe(true);
  });

  it("aborts the signal it gave fetch when the attempt times out", async () => {
    let seen: AbortSignal | undefined;
    const fetch: FetchFunction = (_input, init) =>
      new Promise((_resolve, reject) => {
        seen = init?.signal ?? undefined;
        seen?.addEventListener("abort", () => reject(seen?.reason));
      });
    const transport = fetchTransport({ fetch, timeout: 20 });
    await expect(transport.request({ method: "GET", url: "http://r.test/" })).rejects.toMatchObject({
      code: "TIMEOUT",
    });
    expect(seen?.aborted).toBe(true);
  });

  it("retries a network failure up to the limit, then rejects with NETWORK", async () => {
    let calls = 0;
    const fetch: FetchFunction = async () => {
      calls++;
      throw new TypeError("fetch failed", { cause: { code: "ECONNRESET" } });
    };
    const transport = fetchTransport({ fetch, retry: { limit: 2, backoffBase: 1 } });
    await expect(transport.request({ method: "GET", url: "http://r.test/" })).rejects.toMatchObject({
      code: "NETWORK",
      message: expect.stringContaining("ECONNRESET"),
    });
    expect(calls).toBe(3);
  });

  it("sends a POST once, whatever happens (not idempotent)", async () => {
    let calls = 0;
    const fetch: FetchFunction = async () => {
      calls++;
      return new Response(null, { status: 503 });
    };
    const res = await fetchTransport({ fetch, retry: { backoffBase: 1 } }).request({
      method: "POST",
      url: "http://r.test/",
    });
    expect(res.status).toBe(503);
    expect(calls).toBe(1);
  });
});
