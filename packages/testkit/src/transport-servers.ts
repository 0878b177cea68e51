// Node only: the loopback HTTP servers the transport suite talks to. Two servers on 127.0.0.1 (port 0), so that
// a redirect from one to the other crosses origins the way GHSA-vh4v-2xq2-g5cg did (same host, another port).
// Kept apart from transport-suite.ts so that the suite's assertions also run in a browser, with these servers
// started by a vitest globalSetup on the Node side. Every response carries CORS headers for that case.
//
// Routes (state is kept per `id`, which each test makes unique):
//   /echo                    method, headers and body summary as JSON
//   /bytes?n=N&id=X          N bytes, byte i = i % 251, streamed with back-pressure (bytes sent so far kept for X)
//   /status?code=C&times=K&retryAfter=V&id=X   C (with Retry-After V) for the first K requests, then 200
//   /drop?times=K&id=X       destroys the socket for the first K requests, then 200
//   /slow-headers?ms=M       headers after M ms
//   /stall?after=N           headers, N bytes, then nothing (the socket stays open)
//   /redirect?status=S&to=U  S with Location U
//   /record?id=X             records method, Authorization and Cookie; /seen?id=X returns the records
//   /warning?text=T          `Warning: 299 - "T"`
//   /attempts?id=X           { attempts, sent }: what /status and /drop counted, and /bytes sent, for X
//   /bad-416                 416 with a Content-Length longer than its body (distribution 2.8.2 does this)
//   /stats                   { connections } since start

import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { TransportServerUrls } from "./transport-suite.js";

/** Running servers: their URLs for the suite, and how to stop them. */
export interface TransportServers extends TransportServerUrls {
  close(): Promise<void>;
}

/** What the servers remember per test id. */
interface State {
  attempts: number;
  seen: unknown[];
  /** Bytes /bytes has handed to the socket so far. */
  sent: number;
}

const CORS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
  "access-control-expose-headers": "*, warning, retry-after, x-attempts, location, content-length",
  "access-control-max-age": "600",
};

const PATTERN_CHUNK = (() => {
  const chunk = Buffer.alloc(251 * 256);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251;
  return chunk;
})();

/** Starts both servers and finds a closed port for the network-error cases. */
export async function startTransportServers(): Promise<TransportServers> {
  const state = new Map<string, State>();
  const a = await listen(state);
  const b = await listen(state);
  const closed = await listen(state);
  await closed.close();
  return {
    url: a.url,
    otherUrl: b.url,
    closedUrl: closed.url,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
    },
  };
}

async function listen(state: Map<string, State>) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((req, res) => {
    handle(req, res, state, () => connections).catch((error) => {
      res.destroy(error as Error);
    });
  });
  server.on("connection", (socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** What a route gets: the exchange, its query, and the per-id records of the server. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  q: (name: string) => string | null;
  /** The record of an id, made on first use. */
  entry: (id: string) => State;
  state: Map<string, State>;
  connections: () => number;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  state: Map<string, State>,
  connections: () => number,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://x");
  const entry = (id: string) => {
    const e = state.get(id) ?? { attempts: 0, seen: [], sent: 0 };
    state.set(id, e);
    return e;
  };
  for (const [k, v] of Object.entries(CORS)) res.setHeader(k, v);
  if (req.method === "OPTIONS") {
    res.setHeader("access-control-allow-headers", req.headers["access-control-request-headers"] ?? "*");
    res.writeHead(204).end();
    return;
  }
  const route = ROUTES[url.pathname];
  if (!route) return json(res, 404, { error: "no such route" });
  await route({ req, res, q: (name) => url.searchParams.get(name), entry, state, connections });
}

/** The servers' routes, by path. */
const ROUTES: Record<string, (x: Exchange) => Promise<void> | void> = {
  "/echo": async ({ req, res }) => {
    const body = await readBody(req);
    let pattern = true;
    for (let i = 0; i < body.length; i++) {
      if (body[i] !== i % 251) {
        pattern = false;
        break;
      }
    }
    json(res, 200, {
      method: req.method,
      headers: req.headers,
      length: body.length,
      sha256: createHash("sha256").update(body).digest("hex"),
      text: body.length <= 4096 ? body.toString("utf8") : undefined,
      pattern: body.length > 0 && pattern,
    });
  },
  "/bytes": async ({ req, res, q, entry }) => {
    const n = Number(q("n") ?? 0);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": n });
    if (req.method === "HEAD") return void res.end();
    const progress = entry(q("id") ?? "");
    let sent = 0;
    while (sent < n && !res.destroyed) {
      const chunk = PATTERN_CHUNK.subarray(0, Math.min(PATTERN_CHUNK.length, n - sent));
      sent += chunk.length;
      const more = res.write(chunk);
      progress.sent = sent;
      if (!more) await drained(res);
    }
    res.end();
  },
  "/status": async ({ req, res, q, entry }) => {
    const e = entry(q("id") ?? "");
    e.attempts++;
    res.setHeader("x-attempts", String(e.attempts));
    await readBody(req);
    if (e.attempts <= Number(q("times") ?? 1)) {
      const retryAfter = q("retryAfter");
      if (retryAfter !== null) res.setHeader("retry-after", retryAfter);
      res.writeHead(Number(q("code") ?? 503), { "content-type": "text/plain" }).end("try again later");
    } else {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    }
  },
  "/drop": ({ req, res, q, entry }) => {
    const e = entry(q("id") ?? "");
    e.attempts++;
    if (e.attempts <= Number(q("times") ?? 1)) {
      req.socket.destroy();
      return;
    }
    res.setHeader("x-attempts", String(e.attempts));
    res.writeHead(200).end("ok");
  },
  "/slow-headers": async ({ res, q }) => {
    await new Promise((resolve) => setTimeout(resolve, Number(q("ms") ?? 1000)));
    if (!res.destroyed) res.writeHead(200).end("late");
  },
  "/stall": ({ res, q }) => {
    const n = Number(q("after") ?? 1024);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": n * 4 });
    res.write(PATTERN_CHUNK.subarray(0, Math.min(n, PATTERN_CHUNK.length)));
    // Nothing more: the socket stays open until the client gives up or the server closes.
  },
  "/redirect": async ({ req, res, q }) => {
    await readBody(req);
    res.writeHead(Number(q("status") ?? 302), { location: q("to") ?? "/echo" }).end("moved");
  },
  "/record": async ({ req, res, q, entry }) => {
    const body = await readBody(req);
    const record = {
      method: req.method,
      authorization: req.headers.authorization ?? null,
      cookie: req.headers.cookie ?? null,
      length: body.length,
    };
    entry(q("id") ?? "").seen.push(record);
    json(res, 200, record);
  },
  "/attempts": ({ res, q, state }) => {
    json(res, 200, { attempts: state.get(q("id") ?? "")?.attempts ?? 0, sent: state.get(q("id") ?? "")?.sent ?? 0 });
  },
  "/seen": ({ res, q, state }) => {
    json(res, 200, state.get(q("id") ?? "")?.seen ?? []);
  },
  "/warning": ({ res, q }) => {
    res.setHeader("warning", `299 - "${q("text") ?? "deprecated"}"`);
    res.writeHead(200).end("ok");
  },
  "/bad-416": ({ req, res }) => {
    // distribution 2.8.2 answers an unsatisfiable range with a 416 whose Content-Length is the blob's size.
    res.writeHead(416, { "content-type": "text/plain", "content-length": 2000, "content-range": "bytes */2000" });
    res.end("invalid range: failed to overlap");
    req.socket.end();
  },
  "/stats": ({ res, connections }) => {
    json(res, 200, { connections: connections() });
  },
};

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

function json(res: ServerResponse, status: number, value: unknown) {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
