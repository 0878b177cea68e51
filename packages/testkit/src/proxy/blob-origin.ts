// The second origin that blob GETs are redirected to, like a registry's S3/CDN storage: another loopback port
// (so another origin even on the same host), serving blobs it fetches from the registry with the credentials
// of the redirected request, as a presigned URL would. It records whether an Authorization header reached it:
// a client must never send one here (docs/architecture.md §7, oras-go GHSA-vh4v-2xq2-g5cg).
import { randomUUID } from "node:crypto";
import http, { type IncomingMessage } from "node:http";
import { close, listen } from "../internal/listen.js";
import { answerPreflight, corsHeaders } from "./cors.js";

/** A request the blob origin saw. */
export interface OriginRequest {
  method: string;
  path: string;
  /** Whether an Authorization header arrived (it never should). */
  authorization: boolean;
  headers: Record<string, string>;
  status: number;
}

/** Opens a streaming GET/HEAD on the registry. */
export type UpstreamOpener = (
  method: string,
  path: string,
  headers: Record<string, string>,
) => Promise<IncomingMessage>;

/** A running blob origin. */
export interface BlobOrigin {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly requests: OriginRequest[];
  /**
   * A URL on this origin serving the registry's `path` with `authorization` (the redirected request's). With
   * `rejectAuthorization`, requests that carry an Authorization header get 400, as presigned S3 URLs answer
   * ("Only one auth mechanism allowed").
   */
  register(path: string, authorization: string | undefined, rejectAuthorization?: boolean): string;
  stop(): Promise<void>;
}

/** Options of {@link startBlobOrigin}. */
export interface BlobOriginOptions {
  /** Answer preflights and add CORS headers. @default false */
  cors?: boolean;
}

/** Starts a blob origin on 127.0.0.1. */
export async function startBlobOrigin(open: UpstreamOpener, options: BlobOriginOptions = {}): Promise<BlobOrigin> {
  const tickets = new Map<string, { path: string; authorization?: string; rejectAuthorization: boolean }>();
  const requests: OriginRequest[] = [];
  const server = http.createServer(async (req, res) => {
    const record: OriginRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      authorization: req.headers.authorization !== undefined,
      headers: flatten(req.headers),
      status: 0,
    };
    requests.push(record);
    if (options.cors) {
      if (answerPreflight(req, res)) {
        record.status = 204;
        return;
      }
      for (const [name, value] of Object.entries(corsHeaders(req))) res.setHeader(name, value as string);
    }
    const ticket = tickets.get((req.url ?? "").replace(/^\/blob\//, "").split("?")[0] ?? "");
    const answer = (status: number, text: string) => {
      record.status = status;
      res.writeHead(status, { "content-type": "text/plain", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    if (!ticket) return answer(404, "no such blob ticket");
    if (ticket.rejectAuthorization && record.authorization) return answer(400, "Only one auth mechanism allowed");
    const headers: Record<string, string> = {};
    if (ticket.authorization) headers.authorization = ticket.authorization;
    if (req.headers.range) headers.range = req.headers.range;
    try {
      const up = await open(req.method === "HEAD" ? "HEAD" : "GET", ticket.path, headers);
      const out: Record<string, string> = {};
      for (const name of ["content-type", "content-length", "content-range", "accept-ranges", "etag"]) {
        const value = up.headers[name];
        if (typeof value === "string") out[name] = value;
      }
      record.status = up.statusCode ?? 502;
      res.writeHead(record.status, out);
      up.pipe(res);
    } catch (error) {
      answer(502, String(error));
    }
  });
  const port = await listen(server);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    register(path, authorization, rejectAuthorization = false) {
      const id = randomUUID();
      tickets.set(id, { path, authorization, rejectAuthorization });
      return `${url}/blob/${id}`;
    },
    stop: () => close(server),
  };
}

/** Request headers as a plain object of strings. */
export function flatten(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
