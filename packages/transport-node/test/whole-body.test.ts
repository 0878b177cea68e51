// A body read whole without a stream (`bytes()`, spec-types' readResponse): the same bytes as the stream gives,
// no ReadableStream built, the cap honoured (the body dropped, a small rest read so the connection is reused), and
// the stream still there for a caller that asks for it first.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isOciError, isWholeBodyResponse, readResponse } from "@toci/spec-types";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { nodeTransport } from "../src/index.js";

let server: http.Server;
let base: string;
let connections = 0;
const payload = new Uint8Array(100_000).map((_, i) => i % 251);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === "/chunked") {
      res.writeHead(200);
      res.write(payload.subarray(0, 40_000));
      setTimeout(() => res.end(payload.subarray(40_000)), 20);
    } else if (req.url === "/pieces") {
      // A Content-Length body in three writes, apart: three reads at the client.
      res.writeHead(200, { "content-length": String(payload.length) });
      res.write(payload.subarray(0, 30_000));
      setTimeout(() => res.write(payload.subarray(30_000, 60_000)), 20);
      setTimeout(() => res.end(payload.subarray(60_000)), 40);
    } else if (req.url === "/small") {
      res.writeHead(200, { "content-length": "7" }).end('{"a":1}');
    } else if (req.url === "/stall") {
      res.writeHead(200, { "content-length": "10" });
      res.write("12345");
    } else {
      res.writeHead(200, { "content-length": String(payload.length) }).end(payload);
    }
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Counts the ReadableStreams built while `run` runs. */
async function streamsBuilt(run: () => Promise<void>): Promise<number> {
  const Original = globalThis.ReadableStream;
  let built = 0;
  vi.stubGlobal(
    "ReadableStream",
    class extends Original<Uint8Array> {
      constructor(...args: ConstructorParameters<typeof ReadableStream<Uint8Array>>) {
        super(...args);
        built++;
      }
    },
  );
  try {
    await run();
  } finally {
    vi.unstubAllGlobals();
  }
  return built;
}

describe("nodeTransport's whole bodies", () => {
  it("reads a Content-Length body and a chunked one whole, without building a stream", async () => {
    await using transport = nodeTransport();
    for (const path of ["/length", "/chunked"]) {
      let bytes: Uint8Array | undefined;
      const built = await streamsBuilt(async () => {
        const response = await transport.request({ method: "GET", url: `${base}${path}` });
        expect(isWholeBodyResponse(response)).toBe(true);
        bytes = await readResponse(response, 1 << 20);
      });
      expect(built).toBe(0);
      expect(Buffer.from(bytes!).equals(Buffer.from(payload))).toBe(true);
    }
  });

  it("copies a Content-Length body that comes in several reads into one array of its length, nothing joined", async () => {
    await using transport = nodeTransport();
    const response = await transport.request({ method: "GET", url: `${base}/pieces` });
    const allocations = vi.spyOn(Buffer, "allocUnsafeSlow");
    try {
      const bytes = await readResponse(response, 1 << 20);
      expect(Buffer.from(bytes).equals(Buffer.from(payload))).toBe(true);
      expect(bytes.buffer.byteLength).toBe(payload.length);
      expect(allocations).toHaveBeenCalledTimes(1);
    } finally {
      allocations.mockRestore();
    }
  });

  it("refuses a body over the cap with TOO_LARGE, and reuses the connection after a small one", async () => {
    await using transport = nodeTransport();
    const before = connections;
    for (const path of ["/length", "/chunked"]) {
      const response = await transport.request({ method: "GET", url: `${base}${path}` });
      const error = await readResponse(response, 50_000).catch((e: unknown) => e);
      expect(isOciError(error) && error.code).toBe("TOO_LARGE");
    }
    // A small body over its cap is read to its end and dropped: the next request goes on the same connection.
    const small = await transport.request({ method: "GET", url: `${base}/small` });
    const opened = connections;
    expect(await readResponse(small, 3).catch((e: unknown) => isOciError(e) && e.code)).toBe("TOO_LARGE");
    const next = await transport.request({ method: "GET", url: `${base}/small` });
    expect(new TextDecoder().decode(await readResponse(next, 100))).toBe('{"a":1}');
    expect(connections).toBe(opened);
    expect(opened).toBeGreaterThan(before);
  });

  it("reads through the stream when the caller built it first", async () => {
    await using transport = nodeTransport();
    const response = await transport.request({ method: "GET", url: `${base}/small` });
    expect(response.body).toBeInstanceOf(ReadableStream);
    expect(new TextDecoder().decode(await readResponse(response, 100))).toBe('{"a":1}');
    // A spread copies the stream (the body is an own getter).
    const again = await transport.request({ method: "GET", url: `${base}/small` });
    const copy = { ...again };
    expect(new TextDecoder().decode(await new Response(copy.body).arrayBuffer())).toBe('{"a":1}');
  });

  it("a body that stalls ends a whole read with TIMEOUT, and an abort with ABORTED", async () => {
    await using transport = nodeTransport({ idleTimeout: 200, retry: false });
    const stalled = await transport.request({ method: "GET", url: `${base}/stall` });
    const timeout = await readResponse(stalled, 100).catch((e: unknown) => e);
    expect(isOciError(timeout) && timeout.code).toBe("TIMEOUT");

    await using patient = nodeTransport({ idleTimeout: 10_000, retry: false });
    const controller = new AbortController();
    const response = await patient.request({ method: "GET", url: `${base}/stall`, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const aborted = await readResponse(response, 100).catch((e: unknown) => e);
    expect(isOciError(aborted) && aborted.code).toBe("ABORTED");
  });

  it("a whole read under the low-speed rule is cut like a streamed one", async () => {
    await using transport = nodeTransport({ idleTimeout: 10_000, retry: false });
    const response = await transport.request({
      method: "GET",
      url: `${base}/stall`,
      lowSpeed: { limit: 1000, time: 150 },
    });
    const error = await readResponse(response, 100).catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("TIMEOUT");
    expect(String((error as Error).message)).toMatch(/less than 1000 bytes\/s/);
  });
});
