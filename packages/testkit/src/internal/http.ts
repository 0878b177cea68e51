// A small node:http(s) client for the harness itself (readiness probes, the direct pusher, the proxy's own
// upstream calls). Node's fetch cannot take a CA per call (docs/architecture.md §8), node:https can.
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";

/** A request made with {@link request}. */
export interface HttpRequest {
  method?: string;
  url: string;
  headers?: Record<string, string | undefined>;
  /** A buffer, a string, or a stream (sent chunked unless a Content-Length header is set). */
  body?: Uint8Array | string | Readable;
  /** PEM CA file trusted for https URLs. */
  caFile?: string;
  /** A client certificate and its key (PEM files), for a registry that asks for one. */
  certFile?: string;
  keyFile?: string;
  /** Agent to reuse connections. */
  agent?: http.Agent;
  /** Milliseconds before the request is aborted. @default 30000 */
  timeoutMs?: number;
}

/** A buffered response. */
export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Sends one request and buffers the whole response (harness use only: small bodies). */
export function request(options: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(options.url);
    const lib = url.protocol === "https:" ? https : http;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) if (value !== undefined) headers[name] = value;
    const req = lib.request(
      url,
      {
        method: options.method ?? "GET",
        headers,
        agent: options.agent,
        ca: options.caFile ? fs.readFileSync(options.caFile) : undefined,
        cert: options.certFile ? fs.readFileSync(options.certFile) : undefined,
        key: options.keyFile ? fs.readFileSync(options.keyFile) : undefined,
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout: ${options.method ?? "GET"} ${options.url}`)));
    req.on("error", reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (typeof body === "string" || body instanceof Uint8Array) req.end(body);
    else body.on("error", (e) => req.destroy(e)).pipe(req);
  });
}

/** `Basic <base64(user:password)>`. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

/** The parameters of a `WWW-Authenticate` challenge: scheme plus `key="value"` pairs (lower-cased keys). */
export function parseChallenge(header: string | undefined): { scheme: string; params: Record<string, string> } {
  const text = header ?? "";
  const space = text.indexOf(" ");
  const scheme = (space < 0 ? text : text.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of text.slice(space + 1).matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params[m[1]!.toLowerCase()] = m[2]!;
  return { scheme, params };
}
