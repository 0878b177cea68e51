// A real forward proxy on loopback, as corporate networks put in front of registries: CONNECT tunnels (RFC 9110
// §9.3.6) for https targets and absolute-form requests (RFC 9112 §3.2.2) for http ones, with or without its own
// Basic credentials (407 + Proxy-Authenticate without them). It logs every request it receives — the CONNECT line
// and headers, or the forwarded request with its headers — so that tests can check that everything went through
// it and that a registry's Authorization never reached it on a tunnel. `hosts` maps names to addresses, as a
// proxy's own DNS would (the tests' registries all live on 127.0.0.1).

import http from "node:http";
import net from "node:net";
import { listen } from "../internal/listen.js";

/** Options of {@link startForwardProxy}. */
export interface ForwardProxyOptions {
  /** Credentials the proxy demands (`Proxy-Authorization: Basic`); none by default. */
  auth?: { username: string; password: string };
  /** Host names the proxy resolves itself: `{ "registry.test": "127.0.0.1" }`. */
  hosts?: Record<string, string>;
}

/** One request the proxy received. */
export interface ProxyLogEntry {
  /** `connect`: a tunnel was asked for; `forward`: an absolute-form request was relayed. */
  kind: "connect" | "forward";
  method: string;
  /** `host:port` for CONNECT, the absolute URL for a forwarded request. */
  target: string;
  /** The request's headers as the proxy received them (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** The status the proxy answered (200 for an open tunnel, 407 without credentials, 502 when the target failed). */
  status: number;
}

/** A running forward proxy. */
export interface ForwardProxy {
  /** `http://127.0.0.1:<port>` (without credentials). */
  url: string;
  port: number;
  /** Every request received, in order. */
  readonly log: ProxyLogEntry[];
  /** Tunnels currently open. */
  readonly tunnels: number;
  stop(): Promise<void>;
}

/** What the two halves of the proxy share. */
interface ProxyState {
  log: ProxyLogEntry[];
  tunnels: number;
  /** Whether a request carries the proxy's credentials (always, without `auth`). */
  authorized: (headers: http.IncomingHttpHeaders) => boolean;
  /** A host name as the proxy resolves it. */
  resolve: (host: string) => string;
}

/** Starts a forward proxy on 127.0.0.1 (a free port). */
export async function startForwardProxy(options: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const expected = options.auth
    ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`
    : undefined;
  const state: ProxyState = {
    log: [],
    tunnels: 0,
    authorized: (headers) => expected === undefined || headers["proxy-authorization"] === expected,
    resolve: (host) => options.hosts?.[host.toLowerCase()] ?? host,
  };
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => forward(state, req, res));
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) =>
    tunnel(state, req, client, head),
  );
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log: state.log,
    get tunnels() {
      return state.tunnels;
    },
    stop: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

/** An absolute-form request: checked, then relayed to its target without the proxy's own headers. */
function forward(state: ProxyState, req: http.IncomingMessage, res: http.ServerResponse): void {
  const entry: ProxyLogEntry = {
    kind: "forward",
    method: req.method ?? "",
    target: req.url ?? "",
    headers: { ...req.headers },
    status: 0,
  };
  state.log.push(entry);
  let target: URL;
  try {
    target = new URL(req.url ?? "");
    if (target.protocol !== "http:") throw new Error("not http");
  } catch {
    entry.status = 400;
    res.writeHead(400, { "content-type": "text/plain" }).end("absolute-form http:// requests only\n");
    return;
  }
  if (!state.authorized(req.headers)) {
    entry.status = 407;
    res.writeHead(407, { "proxy-authenticate": 'Basic realm="test-proxy"', "content-length": "0" }).end();
    return;
  }
  const headers = { ...req.headers };
  for (const name of ["proxy-authorization", "proxy-connection", "connection", "keep-alive"]) delete headers[name];
  const path = `${target.pathname}${target.search}`;
  const host = state.resolve(target.hostname);
  const upstream = http.request({ host, port: target.port || 80, method: req.method, path, headers }, (answer) => {
    entry.status = answer.statusCode ?? 0;
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", () => {
    entry.status = 502;
    if (!res.headersSent) res.writeHead(502, { "content-length": "0" }).end();
    else res.destroy();
  });
  req.pipe(upstream);
}

/** A CONNECT request: checked, then a tunnel of bytes both ways to `host:port`. */
function tunnel(state: ProxyState, req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
  const entry: ProxyLogEntry = {
    kind: "connect",
    method: "CONNECT",
    target: req.url ?? "",
    headers: { ...req.headers },
    status: 0,
  };
  state.log.push(entry);
  const answer = (status: number, extra = "") => {
    entry.status = status;
    client.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${extra}content-length: 0\r\n\r\n`);
  };
  const match = /^([^:]+|\[[^\]]+\]):(\d+)$/.exec(req.url ?? "");
  if (!state.authorized(req.headers)) answer(407, 'proxy-authenticate: Basic realm="test-proxy"\r\n');
  else if (!match) answer(400);
  else open(state, { entry, client, head, host: match[1]!.replace(/^\[|\]$/g, ""), port: Number(match[2]), answer });
}

/** What {@link open} needs: the tunnel's client side, its target, and how to answer the client. */
interface TunnelTarget {
  entry: ProxyLogEntry;
  client: net.Socket;
  head: Buffer;
  host: string;
  port: number;
  answer: (status: number) => void;
}

/** Connects to the target and relays bytes both ways once it answers. */
function open(state: ProxyState, { entry, client, head, host, port, answer }: TunnelTarget): void {
  const upstream = net.connect({ host: state.resolve(host), port });
  upstream.once("error", () => (entry.status ? upstream.destroy() : answer(502)));
  upstream.once("connect", () => {
    entry.status = 200;
    state.tunnels++;
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once("close", () => {
      state.tunnels--;
      close();
    });
    upstream.once("close", close);
    client.on("error", close);
    upstream.on("error", close);
  });
}
