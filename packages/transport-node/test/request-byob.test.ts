// A request body that is a byte stream is read into one buffer of the transport's own, refilled only once the
// socket holds none of it: the source fills that buffer directly, and a server reading slowly (the socket full, its
// writes pending) still receives every byte as it was, in both framings.
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeTransport } from "../src/index.js";

const SIZE = 6 * 1024 * 1024 + 12_345;
let server: http.Server;
let base: string;

beforeAll(async () => {
  // Reads slowly: pauses after every piece, so that the client's socket fills and its writes wait.
  server = http.createServer((req, res) => {
    const hash = createHash("sha256");
    let bytes = 0;
    req.on("data", (data: Buffer) => {
      hash.update(data);
      bytes += data.length;
      req.pause();
      setTimeout(() => req.resume(), 1);
    });
    req.on("end", () => res.end(JSON.stringify({ bytes, digest: hash.digest("hex") })));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Byte i of the body. */
const byteAt = (i: number) => (i * 131 + (i >> 13)) & 0xff;

/** A byte stream of SIZE bytes that records the size of the buffer each pull was lent (0: none). */
function body(views: number[], piece: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const request = controller.byobRequest;
      const n = Math.min(SIZE - at, piece);
      if (n === 0) {
        controller.close();
        request?.respond(0);
        return;
      }
      const view = request?.view
        ? new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength)
        : new Uint8Array(n);
      const k = Math.min(n, view.length);
      for (let i = 0; i < k; i++) view[i] = byteAt(at + i);
      at += k;
      views.push(request?.view ? request.view.byteLength : 0);
      if (request) request.respond(k);
      else controller.enqueue(view.subarray(0, k));
    },
  });
}

function expected(): string {
  const all = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) all[i] = byteAt(i);
  return createHash("sha256").update(all).digest("hex");
}

describe("a byte-stream request body", () => {
  // Pieces of 10 000 bytes: writes smaller than the socket's high-water mark, which may still be pending when write()
  // says the socket can take more: the buffer must not be refilled under them.
  for (const [framing, piece] of [
    ["length", 300_000],
    ["chunked", 300_000],
    ["length", 10_000],
  ] as const) {
    it(`is sent through the transport's own buffer, intact (${framing}, pieces of ${piece} bytes)`, async () => {
      await using transport = nodeTransport({ retry: false });
      const views: number[] = [];
      const res = await transport.request({
        method: "PUT",
        url: `${base}/upload`,
        headers: framing === "length" ? { "content-length": String(SIZE) } : {},
        body: body(views, piece),
      });
      expect(res.status).toBe(200);
      const got = JSON.parse(await new Response(res.body).text());
      expect(got).toEqual({ bytes: SIZE, digest: expected() });
      // Every read lent the source a buffer, of at most 1 MiB.
      expect(views.length).toBeGreaterThanOrEqual(SIZE / piece);
      expect(views.every((v) => v > 0 && v <= 1024 * 1024)).toBe(true);
    });
  }
});
