// What only nodeTransport does, beyond the shared suite: TLS with an extra CA and without verification, connections
// counted on the server side (reuse, the per-origin bound, close()), a stale keep-alive connection re-sent once,
// Content-Length for bodies of known length, and chunked transfer for streams.
import { getEventListeners } from "node:events";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { isOciError } from "@toci/spec-types";
import { testCertificates } from "@toci/testkit/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeTransport } from "../src/index.js";

interface Recorded {
  method: string;
  length: number;
  contentLength: string | undefined;
  transferEncoding: string | undefined;
}

/** A server that counts connections, records requests, and answers "ok" (or what `handle` decides). */
async function startServer(
  create: (listener: http.RequestListener) => http.Server,
  handle?: (req: http.IncomingMessage, res: http.ServerResponse, connection: number) => boolean,
) {
  const sockets = new Set<Socket>();
  const requests: Recorded[] = [];
  const perSocket = new WeakMap<Socket, number>();
  let connections = 0;
  let open = 0;
  const server = create((req, res) => {
    let length = 0;
    req.on("data", (chunk: Buffer) => {
      length += chunk.byteLength;
    });
    req.on("end", () => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      requests.push({
        method: req.method ?? "",
        length,
        contentLength: req.headers["content-length"],
        transferEncoding: req.headers["transfer-encoding"],
      });
      if (handle?.(req, res, n)) return;
      // With its Content-Length, also on HEAD: Node's own server leaves it out of a HEAD response, and node:http's
      // client then cannot keep the connection (llhttp decides keep-alive before it knows the body is skipped).
      res.writeHead(200, { "content-type": "text/plain", "content-length": "2" }).end("ok");
    });
  });
  server.on(server instanceof https.Server ? "secureConnection" : "connection", (socket: Socket) => {
    connections++;
    open++;
    sockets.add(socket);
    socket.on("close", () => {
      open--;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    connections: () => connections,
    open: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function text(body: ReadableStream<Uint8Array> | null): Promise<string> {
  return body ? new Response(body).text() : "";
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("TLS", () => {
  const certs = testCertificates();
  let server: Awaited<ReturnType<typeof startServer>>;
  let url: string;
  beforeAll(async () => {
    const options = { cert: readFileSync(certs.tlsCert), key: readFileSync(certs.tlsKey) };
    server = await startServer((listener) => https.createServer(options, listener));
    url = `https://127.0.0.1:${server.port}/v2/`;
  });
  afterAll(() => server.close());

  it("trusts an extra CA given as `ca`", async () => {
    await using transport = nodeTransport({ ca: readFileSync(certs.caFile, "utf8") });
    const res = await transport.request({ method: "GET", url });
    expect(res.status).toBe(200);
    expect(await text(res.body)).toBe("ok");
  });

  it("rejects a certificate from an unknown CA with NETWORK, the TLS error as the cause", async () => {
    await using transport = nodeTransport({ retry: false });
    const error = await transport.request({ method: "GET", url }).catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("NETWORK");
    expect((error as Error).message).toMatch(/certificate/i);
  });

  it("accepts any certificate when `insecure`", async () => {
    await using transport = nodeTransport({ insecure: true });
    const res = await transport.request({ method: "HEAD", url });
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
  });

  it("reuses one TLS connection for GETs and HEADs", async () => {
    await using transport = nodeTransport({ ca: readFileSync(certs.caFile) });
    const before = server.connections();
    for (let i = 0; i < 20; i++) {
      await text((await transport.request({ method: "GET", url })).body);
      await transport.request({ method: "HEAD", url });
    }
    expect(server.connections() - before).toBe(1);
  });
});

describe("connections", () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let url: string;
  beforeAll(async () => {
    server = await startServer(
      (listener) => http.createServer(listener),
      (req, res) => {
        if (req.url === "/half") {
          res.writeHead(200, { "content-length": "10" }).write("12345"); // the rest never comes
          return true;
        }
        if (req.url !== "/big") return false;
        res.writeHead(200, { "content-length": String(8 << 20) }).end(Buffer.alloc(8 << 20));
        return true;
      },
    );
    url = `http://127.0.0.1:${server.port}/x`;
  });
  afterAll(() => server.close());

  it("reuses one connection for 100 sequential requests of every method", async () => {
    await using transport = nodeTransport();
    const before = server.connections();
    for (let i = 0; i < 20; i++) {
      for (const method of ["GET", "HEAD", "DELETE"] as const) {
        await text((await transport.request({ method, url })).body);
      }
      await text((await transport.request({ method: "PUT", url, body: "x" })).body);
      await text((await transport.request({ method: "POST", url })).body);
    }
    expect(server.connections() - before).toBe(1);
  });

  it("cancelling a small body keeps the connection; cancelling a large one closes it", async () => {
    await using transport = nodeTransport();
    const before = server.connections();
    for (let i = 0; i < 10; i++) await (await transport.request({ method: "GET", url })).body?.cancel();
    expect(server.connections() - before).toBe(1);
    const big = `http://127.0.0.1:${server.port}/big`;
    for (let i = 0; i < 3; i++) await (await transport.request({ method: "GET", url: big })).body?.cancel();
    expect(server.connections() - before).toBe(3);
  });

  it("opens at most `maxSockets` connections to one origin", async () => {
    await using transport = nodeTransport({ maxSockets: 3 });
    const before = server.connections();
    await Promise.all(
      Array.from({ length: 30 }, async () => text((await transport.request({ method: "GET", url })).body)),
    );
    expect(server.connections() - before).toBe(3);
  });

  it("a request aborted while it waits for a free connection leaves its place; the pool goes on", async () => {
    await using transport = nodeTransport({ maxSockets: 1 });
    const big = `http://127.0.0.1:${server.port}/big`;
    const holding = await transport.request({ method: "GET", url: big }); // holds the one connection, unread
    const controller = new AbortController();
    const waiting = transport.request({ method: "GET", url, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: "ABORTED" });
    await text(holding.body);
    expect(await text((await transport.request({ method: "GET", url })).body)).toBe("ok");
  });

  it("one signal shared by many requests and their bodies gets one listener; aborting it fails every open body", async () => {
    await using transport = nodeTransport({ maxSockets: 30 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const { signal } = controller;
      const half = `http://127.0.0.1:${server.port}/half`;
      // Small bodies on the same signal that end: what they registered is gone with them.
      for (let i = 0; i < 20; i++) await text((await transport.request({ method: "GET", url, signal })).body);
      const responses = await Promise.all(
        Array.from({ length: 30 }, () => transport.request({ method: "GET", url: half, signal })),
      );
      expect(getEventListeners(signal, "abort").length).toBeLessThanOrEqual(1);
      const reads = responses.map((r) =>
        text(r.body).then(
          () => "read",
          (e: unknown) => e,
        ),
      );
      controller.abort();
      for (const result of await Promise.all(reads)) expect(result).toMatchObject({ code: "ABORTED" });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("close() while a connection is still being opened fails that request, and throws nothing", async () => {
    const transport = nodeTransport({ retry: false });
    const pending = transport.request({ method: "GET", url }).catch((e: unknown) => e);
    await transport.close();
    const result = await pending;
    expect(isOciError(result) ? result.code : (result as { status: number }).status).toMatch(/NETWORK|ABORTED|200/);
  });

  it("close() closes every connection it holds", async () => {
    const transport = nodeTransport();
    await Promise.all(
      Array.from({ length: 4 }, async () => text((await transport.request({ method: "GET", url })).body)),
    );
    expect(server.open()).toBeGreaterThan(0);
    await transport.close();
    await until(() => server.open() === 0);
  });
});

describe("timeout", () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    // Takes an upload slowly (100 ms pause every 2 MiB) and answers once it has all of it; /never never reads it.
    server = http.createServer((req, res) => {
      if (req.url === "/never") return;
      let since = 0;
      req.on("data", (chunk: Buffer) => {
        since += chunk.byteLength;
        if (since >= 2 << 20) {
          since = 0;
          req.pause();
          setTimeout(() => req.resume(), 100);
        }
      });
      req.on("end", () => res.writeHead(200, { "content-length": "2" }).end("ok"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it.each([
    ["a stream", () => new Blob([new Uint8Array(32 << 20)]).stream()],
    ["bytes", () => new Uint8Array(32 << 20)],
  ])(
    "an upload of %s longer than the timeout but never stalled succeeds",
    async (_kind, body) => {
      // 16 pauses of 100 ms: well over the timeout in all; what sits in socket buffers when the last byte has been
      // handed over (a few MiB on loopback) takes the server a few pauses, well under it.
      await using transport = nodeTransport({ timeout: 1000, retry: false });
      const started = Date.now();
      const res = await transport.request({ method: "PUT", url: `http://127.0.0.1:${port}/slow`, body: body() });
      expect(res.status).toBe(200);
      await text(res.body);
      expect(Date.now() - started).toBeGreaterThan(1200);
    },
    30_000,
  ); // Node 20's Blob.stream() alone takes seconds for 32 MiB on a loaded machine

  it("an upload the server stops reading fails with TIMEOUT", async () => {
    await using transport = nodeTransport({ timeout: 300, retry: false });
    const started = Date.now();
    const error = await transport
      .request({ method: "PUT", url: `http://127.0.0.1:${port}/never`, body: new Uint8Array(64 << 20) })
      .catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("TIMEOUT");
    expect((error as Error).message).toContain("no progress");
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe("keepAliveTimeout", () => {
  it("closes idle connections only: a slow answer and a reader that pauses outlive it", async () => {
    const server = await startServer(
      (listener) => http.createServer(listener),
      (req, res) => {
        if (req.url !== "/slow") return false;
        setTimeout(() => {
          res.writeHead(200, { "content-length": String(256 * 1024) });
          res.write(Buffer.alloc(128 * 1024));
          setTimeout(() => res.end(Buffer.alloc(128 * 1024)), 400);
        }, 400);
        return true;
      },
    );
    try {
      await using transport = nodeTransport({ keepAliveTimeout: 150, timeout: 0 });
      const res = await transport.request({ method: "GET", url: `http://127.0.0.1:${server.port}/slow` });
      const reader = res.body!.getReader();
      let n = (await reader.read()).value!.byteLength;
      await new Promise((resolve) => setTimeout(resolve, 400));
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        n += value.byteLength;
      }
      expect(n).toBe(256 * 1024);
      // Once back in the pool, the connection is closed after 150 ms unused.
      await until(() => server.open() === 0);
    } finally {
      await server.close();
    }
  });
});

describe("a keep-alive connection the server closed", () => {
  it("is re-sent once on a new connection, even a POST", async () => {
    // The server takes the second request of every connection and drops the connection without answering: what a
    // request meets when the server's idle timeout closed the connection as the request was being sent.
    const server = await startServer(
      (listener) => http.createServer(listener),
      (req, _res, n) => {
        if (n < 2) return false;
        req.socket.destroy();
        return true;
      },
    );
    try {
      await using transport = nodeTransport({ retry: false });
      const url = `http://127.0.0.1:${server.port}/v2/`;
      await text((await transport.request({ method: "GET", url })).body);
      const res = await transport.request({ method: "POST", url, body: "start" });
      expect(res.status).toBe(200);
      await text(res.body);
      expect(server.connections()).toBe(2);
      expect(server.requests.map((r) => r.method)).toEqual(["GET", "POST", "POST"]);
    } finally {
      await server.close();
    }
  });
});

describe("request bodies", () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let url: string;
  beforeAll(async () => {
    server = await startServer((listener) => http.createServer(listener));
    url = `http://127.0.0.1:${server.port}/upload`;
  });
  afterAll(() => server.close());

  it.each([
    ["a string", () => "héllo"],
    ["bytes", () => new TextEncoder().encode("héllo")],
    ["an ArrayBuffer", () => new TextEncoder().encode("héllo").buffer as ArrayBuffer],
    ["a Blob", () => new Blob(["hé", "llo"])],
  ])("%s is sent with its Content-Length", async (_kind, body) => {
    const transport = nodeTransport();
    await text((await transport.request({ method: "PUT", url, body: body() })).body);
    await transport.close();
    expect(server.requests.at(-1)).toMatchObject({ length: 6, contentLength: "6", transferEncoding: undefined });
  });

  it("a stream is sent chunked, or with the Content-Length the caller gives", async () => {
    await using transport = nodeTransport();
    const stream = () => new Blob([new Uint8Array(300_000)]).stream();
    await text((await transport.request({ method: "PATCH", url, body: stream() })).body);
    expect(server.requests.at(-1)).toMatchObject({ length: 300_000, transferEncoding: "chunked" });
    await text(
      (await transport.request({ method: "PUT", url, body: stream(), headers: { "content-length": "300000" } })).body,
    );
    expect(server.requests.at(-1)).toMatchObject({ length: 300_000, contentLength: "300000" });
  });

  it("a stream that fails while being sent rejects with its error", async () => {
    await using transport = nodeTransport();
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error("disk gone"));
      },
    });
    const error = await transport.request({ method: "PATCH", url, body: failing }).catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("NETWORK");
    expect(String((error as Error).message)).toContain("disk gone");
  });
});
