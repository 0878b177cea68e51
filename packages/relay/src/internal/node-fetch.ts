// A fetch over node:http and node:https for the relay in Node, because Node's own (undici 6 in Node 20) keeps
// every chunk of a streamed request body in memory until the request ends (nodejs/undici#4058): an upload of
// 1 GiB reached a peak RSS of 1.09 GiB here, and 256 MiB through the relay 326 MiB. This one writes a body as the
// socket takes it and reads a response as its reader does, on keep-alive connections. It does what the relay asks
// of fetch and no more: redirects are never followed (the relay follows them itself); an API document an upstream
// compressed although asked for identity is decoded, as fetch decodes it, while a blob passes as stored
// (document-coding.ts); TLS may be set per origin (a registry's own CA, a client certificate). (Node only.)
import http from "node:http";
import https from "node:https";
import { decodeDocument } from "./document-coding.js";
import { bodyStream, writeAll } from "./node-bridge.js";

/** TLS for the requests to one origin: node:tls's options of the same names. */
export interface NodeFetchTls {
  /** CA certificates (PEM) trusted in place of Node's own list. */
  ca?: string | string[];
  /** A client certificate and its key (PEM). */
  cert?: string;
  key?: string;
  /** `false` skips verifying the server's certificate (dangerous). @default true */
  rejectUnauthorized?: boolean;
}

/** Options of {@link createNodeFetch}. */
export interface NodeFetchOptions {
  /**
   * The TLS of each HTTPS origin (undefined: Node's defaults), asked until it gives settings for an origin, which are
   * then kept with that origin's connections. @default Node's defaults
   */
  tls?: (origin: string) => NodeFetchTls | undefined;
}

/** Statuses whose responses have no body (https://fetch.spec.whatwg.org/#null-body-status). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** A `fetch` for the relay's upstream requests, in Node: streams both ways with back-pressure. */
export function createNodeFetch(options: NodeFetchOptions = {}): typeof fetch {
  const plain = new http.Agent({ keepAlive: true });
  const secure = new https.Agent({ keepAlive: true });
  // Only origins with TLS of their own get an agent of their own, kept: the others (an upstream's redirects may name
  // any number) share one, and nothing is kept for them.
  const tuned = new Map<string, https.Agent>();
  const agentFor = (url: URL): http.Agent => {
    if (url.protocol === "http:") return plain;
    let agent = tuned.get(url.origin);
    if (agent) return agent;
    const tls = options.tls?.(url.origin);
    if (!tls) return secure;
    agent = new https.Agent({ keepAlive: true, ...tls });
    tuned.set(url.origin, agent);
    return agent;
  };
  return ((input: RequestInfo | URL, init?: RequestInit) => send(agentFor, input, init)) as typeof fetch;
}

/** {@link createNodeFetch} with Node's TLS defaults. */
export const nodeFetch: typeof fetch = createNodeFetch();

async function send(
  agentFor: (url: URL) => http.Agent,
  input: RequestInfo | URL,
  init: RequestInit = {},
): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`fetch: ${url.protocol} URL`);
  const signal = init.signal ?? undefined;
  signal?.throwIfAborted();
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  const body = await requestBody(init.body);
  // The framing is the body's own: a length for bytes, none for no body (a stated length with nothing after it
  // would have the server read the next request on this keep-alive connection as the body).
  delete headers["transfer-encoding"];
  if (body === undefined) delete headers["content-length"];
  if (body instanceof Uint8Array) headers["content-length"] = String(body.byteLength);
  const method = init.method ?? "GET";
  return new Promise<Response>((resolve, reject) => {
    const req = (url.protocol === "https:" ? https : http).request(url, {
      method,
      headers,
      agent: agentFor(url),
      signal,
    });
    // A stream that turns out longer or shorter than the length it was sent with fails the request
    // (ERR_HTTP_CONTENT_LENGTH_MISMATCH) instead of desynchronising the connection.
    (req as unknown as { strictContentLength: boolean }).strictContentLength = true;
    req.on("error", (cause) => reject(signal?.aborted ? signal.reason : new TypeError("fetch failed", { cause })));
    req.on("response", (res) => {
      const status = res.statusCode ?? 502;
      const responseHeaders = new Headers();
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        try {
          responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        } catch {
          // A header value fetch refuses: dropped.
        }
      }
      const empty = method === "HEAD" || NULL_BODY.has(status);
      if (empty) res.resume();
      resolve(
        new Response(empty ? null : decodeDocument(bodyStream(res), responseHeaders), {
          status,
          statusText: res.statusMessage ?? "",
          headers: responseHeaders,
        }),
      );
    });
    if (body instanceof ReadableStream) {
      writeAll(body, req).catch((cause) => reject(new TypeError("fetch failed: the request body failed", { cause })));
    } else {
      req.end(body);
    }
  });
}

/** A body the relay sends: a stream as it is, anything else as bytes. */
async function requestBody(body: RequestInit["body"]): Promise<ReadableStream<Uint8Array> | Uint8Array | undefined> {
  if (body === null || body === undefined) return undefined;
  if (body instanceof ReadableStream) return body as ReadableStream<Uint8Array>;
  return new Uint8Array(await new Response(body).arrayBuffer());
}
