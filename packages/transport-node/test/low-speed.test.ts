// A request's low-speed rule, applied inside nodeTransport's own body stream (no second stream around it): a body
// that drips below the limit errors with TIMEOUT and its connection is closed, a body that keeps up is whole, a
// caller that does not read never trips it, and a request without the rule is left to the idle timeout.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { appliesLowSpeed, isOciError } from "@toci/spec-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeTransport } from "../src/index.js";

let server: http.Server;
let base: string;
let closedEarly = 0;

/** /drip/<count>/<every>/<chunk>: `count` chunks of `chunk` bytes, `every` ms apart, with their Content-Length. */
beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const [, , count, every, chunk] = (req.url ?? "").split("?")[0]!.split("/").map(Number);
    res.writeHead(200, { "content-length": String(count! * chunk!) });
    res.on("close", () => {
      if (!res.writableFinished) closedEarly++;
    });
    for (let i = 0; i < count! && !res.destroyed; i++) {
      res.write(new Uint8Array(chunk!).fill(7));
      await sleep(every!);
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Reads a body to its end, pausing `pause` ms after each chunk; resolves how many bytes it had. */
async function drain(body: ReadableStream<Uint8Array>, pause = 0): Promise<number> {
  let total = 0;
  const reader = body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    total += read.value.byteLength;
    if (pause) await sleep(pause);
  }
  return total;
}

describe("nodeTransport and a request's lowSpeed rule", () => {
  it("says it applies the rule itself", () => {
    expect(appliesLowSpeed(nodeTransport())).toBe(true);
  });

  it("cuts a drip below the limit with TIMEOUT, naming the request without its query, and closes its connection", async () => {
    await using transport = nodeTransport({ retry: false, idleTimeout: 5_000 });
    const before = closedEarly;
    // 1 byte every 20 ms is 50 B/s; the rule asks 1000 B/s over 200 ms; the idle timeout alone would never fire.
    const response = await transport.request({
      method: "GET",
      url: `${base}/drip/500/20/1?X-Amz-Signature=secret`,
      lowSpeed: { limit: 1000, time: 200 },
    });
    const error = await drain(response.body!).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOciError(error) && error.code).toBe("TIMEOUT");
    expect(String((error as Error).message)).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/drip\/500\/20\/1\S*: less than 1000 bytes\/s over 0\.2 s$/,
    );
    expect(String((error as Error).message)).not.toContain("secret");
    await expect.poll(() => closedEarly).toBe(before + 1);
  });

  it("cuts a body that stops sending, BYOB reads included", async () => {
    await using transport = nodeTransport({ retry: false, idleTimeout: 5_000 });
    // 10 bytes, then nothing for 10 s.
    const response = await transport.request({
      method: "GET",
      url: `${base}/drip/2/10000/10`,
      lowSpeed: { limit: 1000, time: 200 },
    });
    const reader = response.body!.getReader({ mode: "byob" });
    const first = await reader.read(new Uint8Array(64));
    expect(first.value?.byteLength).toBe(10);
    const error = await reader.read(new Uint8Array(64)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOciError(error) && error.code).toBe("TIMEOUT");
  });

  it("lets a body that keeps up through, whole", async () => {
    await using transport = nodeTransport();
    // 1000 bytes every 20 ms is 50 kB/s, well above the limit.
    const response = await transport.request({
      method: "GET",
      url: `${base}/drip/25/20/1000`,
      lowSpeed: { limit: 1000, time: 150 },
    });
    expect(await drain(response.body!)).toBe(25_000);
  });

  it("never counts the time the caller spends not reading", async () => {
    await using transport = nodeTransport();
    // The whole body arrives at once; the caller waits three windows between reads.
    const response = await transport.request({
      method: "GET",
      url: `${base}/drip/1/0/10`,
      lowSpeed: { limit: 1000, time: 50 },
    });
    await sleep(150);
    expect(await drain(response.body!, 150)).toBe(10);
  });

  it("applies no rule to a request without one, nor with limit 0", async () => {
    await using transport = nodeTransport({ idleTimeout: 5_000 });
    // 50 B/s for 600 ms: cut under the rule above, whole without one.
    for (const lowSpeed of [undefined, { limit: 0, time: 100 }]) {
      const response = await transport.request({ method: "GET", url: `${base}/drip/30/20/1`, lowSpeed });
      expect(await drain(response.body!)).toBe(30);
    }
  });
});
