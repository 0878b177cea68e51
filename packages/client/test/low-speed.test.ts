// The low-speed rule (issue 19, "Slow-drip registry"): a body that brings less than the limit over a window of
// waiting is cut with TIMEOUT, a body that keeps up is not, and a caller that reads slowly never trips it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { isOciError, type Transport } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { nodeTransport } from "@toci/transport-node";
import { describe, expect, it, vi } from "vitest";
import { Client } from "../src/index.js";
import { lowSpeedGuard, lowSpeedTransport } from "../src/internal/low-speed.js";
import { resolveTransferOptions } from "../src/options.js";
import { strict } from "../src/strict.js";

/** A body that sends `chunk` bytes every `every` ms, `count` times (then ends), or never ends when count is 0. */
function drip(options: { chunk: number; every: number; count: number }): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (options.count > 0 && sent >= options.count) return controller.close();
      await sleep(options.every);
      sent++;
      controller.enqueue(new Uint8Array(options.chunk));
    },
  });
}

async function drain(body: ReadableStream<Uint8Array>, pause = 0): Promise<number> {
  const reader = body.getReader();
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return total;
    total += value.byteLength;
    if (pause) await sleep(pause);
  }
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("lowSpeedGuard", () => {
  it("cuts a drip below the limit with TIMEOUT, naming the rule", async () => {
    // 1 byte every 20 ms is 50 B/s; the rule asks 1000 B/s over 200 ms.
    let cancelled: unknown;
    const source = drip({ chunk: 1, every: 20, count: 1000 });
    const watched = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const reader = source.getReader();
        const { done, value } = await reader.read();
        reader.releaseLock();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const error = await failure(drain(lowSpeedGuard(watched, { limit: 1000, time: 200 }, "GET blob")));
    expect(isOciError(error) && error.code).toBe("TIMEOUT");
    expect(String((error as Error).message)).toMatch(/GET blob: less than 1000 bytes\/s over 0.2 s/);
    // The body underneath is cancelled, so its connection is closed rather than left dripping.
    expect(isOciError(cancelled) && cancelled.code).toBe("TIMEOUT");
  });

  it("cuts a body that stops sending, without an idle timeout to end the read", async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(10));
      },
      pull() {
        return new Promise(() => {}); // never
      },
    });
    const error = await failure(drain(lowSpeedGuard(stalled, { limit: 1000, time: 200 }, "GET x")));
    expect(isOciError(error) && error.code).toBe("TIMEOUT");
  });

  it("lets a body that keeps up through, whole", async () => {
    // 1000 bytes every 20 ms is 50 kB/s, well above the limit.
    const total = await drain(
      lowSpeedGuard(drip({ chunk: 1000, every: 20, count: 30 }), { limit: 1000, time: 500 }, "x"),
    );
    expect(total).toBe(30_000);
  });

  it("never counts the time the caller spends not reading", async () => {
    // The body is ready at once; the caller waits 3 windows between reads. Only waiting for the body counts.
    const ready = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(1));
        controller.close();
      },
    });
    expect(await drain(lowSpeedGuard(ready, { limit: 1000, time: 50 }, "x"), 150)).toBe(4);
  });

  it("is off at limit 0: the body itself", () => {
    const body = new ReadableStream<Uint8Array>();
    expect(lowSpeedGuard(body, { limit: 0, time: 100 }, "x")).toBe(body);
    const transport: Transport = { request: async () => ({ status: 200, headers: new Headers(), body, url: "" }) };
    expect(lowSpeedTransport(transport, { limit: 0, time: 100 })).toBe(transport);
  });

  it("guards every response body of a transport, and names the request without its query", async () => {
    const transport: Transport = {
      request: async () => ({
        status: 200,
        headers: new Headers(),
        body: drip({ chunk: 1, every: 20, count: 1000 }),
        url: "",
      }),
    };
    const guarded = lowSpeedTransport(transport, { limit: 1000, time: 150 });
    const response = await guarded.request({ method: "GET", url: "https://s.example/blob?X-Amz-Signature=secret" });
    const error = await failure(drain(response.body!));
    expect(isOciError(error) && error.code).toBe("TIMEOUT");
    expect(String((error as Error).message)).toContain("GET https://s.example/blob");
    expect(String((error as Error).message)).not.toContain("secret");
  });
});

describe("a transport that applies the rule itself", () => {
  it("is handed the rule with each request, and its body is not wrapped", async () => {
    const body = new ReadableStream<Uint8Array>();
    const seen: unknown[] = [];
    const transport: Transport & { appliesLowSpeed: true } = {
      appliesLowSpeed: true,
      request: async (request) => {
        seen.push(request.lowSpeed);
        return { status: 200, headers: new Headers(), body, url: "" };
      },
    };
    const guarded = lowSpeedTransport(transport, { limit: 1000, time: 150 });
    const response = await guarded.request({ method: "GET", url: "https://r.example/v2/" });
    expect(response.body).toBe(body);
    expect(seen).toEqual([{ limit: 1000, time: 150 }]);
  });

  it("a tag list that drips through nodeTransport is cut with TIMEOUT by the client's rule", async () => {
    const server = http.createServer(async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      for (let i = 0; i < 1000 && !res.destroyed; i++) {
        res.write(" ");
        await sleep(20);
      }
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new Client({
      transport: nodeTransport({ retry: false, idleTimeout: 10_000 }),
      store: memoryStore(),
      lowSpeedLimit: 1000,
      lowSpeedTime: 200,
    });
    try {
      const error = await failure(strict(client.registry(url).repo("a/b")).tags());
      expect(isOciError(error) && error.code).toBe("TIMEOUT");
      expect(String((error as Error).message)).toMatch(/less than 1000 bytes\/s over 0\.2 s/);
    } finally {
      await client.close();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("the low-speed options", () => {
  it("default to 1 KiB/s over a minute; 0 turns the rule off; a window must be positive", () => {
    expect(resolveTransferOptions({})).toMatchObject({ lowSpeedLimit: 1024, lowSpeedTime: 60_000 });
    expect(resolveTransferOptions({ lowSpeedLimit: 0 }).lowSpeedLimit).toBe(0);
    expect(() => resolveTransferOptions({ lowSpeedTime: 0 })).toThrow(/lowSpeedTime/);
    expect(() => resolveTransferOptions({ lowSpeedLimit: -1 })).toThrow(/lowSpeedLimit/);
  });
});

describe("the low-speed guard's timers", () => {
  it("sets one timer per body, not one per read", async () => {
    const chunks = 200;
    const ready = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < chunks; i++) controller.enqueue(new Uint8Array(10));
        controller.close();
      },
    });
    const timers = vi.spyOn(globalThis, "setTimeout");
    try {
      expect(await drain(lowSpeedGuard(ready, { limit: 1, time: 60_000 }, "x"))).toBe(chunks * 10);
      expect(timers.mock.calls.length).toBe(1);
    } finally {
      timers.mockRestore();
    }
  });
});
