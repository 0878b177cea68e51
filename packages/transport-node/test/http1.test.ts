// The transport's own HTTP/1.1 reader against a raw TCP server that answers exactly the bytes each case gives:
// framing (Content-Length, chunked with extensions and trailers, read to the close, none for HEAD/204/304), 1xx
// skipped, heads split across reads, responses that could be read two ways refused, and the body path's chunks:
// large views when the reader is slow, copies (not views of the 1 MiB read buffer) for small bodies.
import net from "node:net";
import { isOciError } from "@toci/spec-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeTransport } from "../src/index.js";

/** A server that answers each request with `answers[path]`, written in the given pieces (ms apart). */
let server: net.Server;
let base: string;
const answers = new Map<string, (socket: net.Socket) => void>();

beforeAll(async () => {
  server = net.createServer((socket) => {
    let head = "";
    socket.on("data", (data) => {
      head += data.toString("latin1");
      for (let end = head.indexOf("\r\n\r\n"); end >= 0; end = head.indexOf("\r\n\r\n")) {
        const path = head.slice(0, end).split(" ")[1]!;
        head = head.slice(end + 4);
        answers.get(path)?.(socket);
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const answer = (path: string, ...pieces: (string | Buffer)[]) => {
  answers.set(path, (socket) => {
    pieces.forEach((piece, i) => {
      setTimeout(() => socket.write(piece), i * 5);
    });
  });
};

async function text(path: string, method: "GET" | "HEAD" = "GET") {
  await using transport = nodeTransport({ retry: false });
  const res = await transport.request({ method, url: `${base}${path}` });
  return { status: res.status, headers: res.headers, body: res.body ? await new Response(res.body).text() : null };
}

describe("framing", () => {
  it("reads a Content-Length body, the head split across reads", async () => {
    answer("/length", "HTTP/1.1 200 OK\r\nContent-Le", "ngth: 5\r\nX-A: 1\r\n", "\r\nhel", "lo");
    expect(await text("/length")).toMatchObject({ status: 200, body: "hello" });
  });

  it("decodes chunked bodies, with extensions, split sizes and trailers", async () => {
    answer(
      "/chunked",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n",
      "1",
      "1\r\n, world, and more\r\n0\r\nTrailer: x\r\n\r\n",
    );
    expect(await text("/chunked")).toMatchObject({ status: 200, body: "hello, world, and more" });
  });

  it("reads a body without length to the close (HTTP/1.0)", async () => {
    answers.set("/close", (socket) => socket.end("HTTP/1.0 200 OK\r\n\r\nuntil the end"));
    expect(await text("/close")).toMatchObject({ status: 200, body: "until the end" });
  });

  it("skips 1xx answers; HEAD, 204 and 304 have no body whatever they announce", async () => {
    answer("/continue", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    expect(await text("/continue")).toMatchObject({ status: 200, body: "ok" });
    answer("/head", "HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n");
    expect(await text("/head", "HEAD")).toMatchObject({ status: 200, body: null });
    answer("/204", "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n");
    expect(await text("/204")).toMatchObject({ status: 204, body: null });
  });

  it.each([
    ["two different Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nokk"],
    ["Content-Length beside chunked", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"],
    ["a status line that is not HTTP/1.x", "ICY 200 OK\r\n\r\n"],
    ["a folded header line", "HTTP/1.1 200 OK\r\nX-A: 1\r\n continued\r\nContent-Length: 0\r\n\r\n"],
  ])("refuses %s with NETWORK", async (_what, bytes) => {
    answer("/bad", bytes);
    const error = await text("/bad").catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("NETWORK");
  });

  it("a chunked body cut before its last chunk errors with NETWORK", async () => {
    answers.set("/cut", (socket) => socket.end("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"));
    const error = await text("/cut").catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("NETWORK");
  });
});

describe("the body path", () => {
  it("hands a slow reader large chunks (reads joined), a fast one each read", async () => {
    const size = 16 << 20;
    answers.set("/big", (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
      socket.end(Buffer.alloc(size, 7));
    });
    await using transport = nodeTransport();
    const res = await transport.request({ method: "GET", url: `${base}/big` });
    const reader = res.body!.getReader();
    let total = 0;
    let largest = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      largest = Math.max(largest, value.byteLength);
      await new Promise((resolve) => setTimeout(resolve, 5)); // a slow reader (a disk, a hash)
    }
    expect(total).toBe(size);
    // node:http hands on 64 KiB at most; here reads pile up behind a slow reader and leave together.
    expect(largest).toBeGreaterThan(64 * 1024);
    expect(largest).toBeLessThanOrEqual(1024 * 1024);
  });

  it("a BYOB reader gets the bytes in its own buffer, read after read", async () => {
    const size = 8 << 20;
    const pattern = Buffer.alloc(size);
    for (let i = 0; i < size; i++) pattern[i] = i % 251;
    answers.set("/byob", (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
      socket.end(pattern);
    });
    await using transport = nodeTransport();
    const res = await transport.request({ method: "GET", url: `${base}/byob` });
    const reader = res.body!.getReader({ mode: "byob" });
    let buffer = new ArrayBuffer(100_000);
    let at = 0;
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (done) break;
      expect(value.byteLength).toBeLessThanOrEqual(100_000);
      expect(Buffer.from(value).equals(pattern.subarray(at, at + value.byteLength))).toBe(true);
      at += value.byteLength;
      buffer = value.buffer;
    }
    expect(at).toBe(size);
  });

  it("a small body's chunks are its own bytes, not views that keep a 1 MiB read buffer alive", async () => {
    answer("/small", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    await using transport = nodeTransport();
    const res = await transport.request({ method: "GET", url: `${base}/small` });
    const { value } = await res.body!.getReader().read();
    expect(new TextDecoder().decode(value)).toBe("hello");
    expect(value!.buffer.byteLength).toBeLessThan(64 * 1024);
  });
});
