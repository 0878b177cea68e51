// @toci/relay/node: serves a fetch handler (relay(), serveContent(), or any other) with node:http. Node only; the
// main entry stays runtime-neutral. Bodies stream both ways with back-pressure, and a client that goes away
// aborts the handler's request (and with it the relay's upstream request).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { toWebRequest, writeWebResponse } from "./internal/node-bridge.js";
import type { FetchHandler } from "./options.js";

/**
 * An API document (JSON, text) an upstream compressed although asked for identity, decoded as fetch would; any other
 * body (a blob) as it came. For a `fetch` of your own that does not decode, before handing its response to the relay.
 */
export { decodeDocument } from "./internal/document-coding.js";
/**
 * A `fetch` over node:http and node:https for `relay({ fetch: nodeFetch })` in Node: Node's own fetch keeps every
 * chunk of a streamed upload in memory until it ends (nodejs/undici#4058). Never follows redirects (the relay
 * does); decodes an API document (JSON, text) compressed against `identity` as fetch does, and passes a blob as stored. `createNodeFetch({ tls })` makes one with TLS per origin (a
 * registry's own CA, a client certificate).
 */
export {
  createNodeFetch,
  type NodeFetchOptions,
  type NodeFetchTls,
  nodeFetch,
} from "./internal/node-fetch.js";
export type { FetchHandler } from "./options.js";

/** A node:http request listener that answers with `handler`. */
export function toNodeListener(handler: FetchHandler): http.RequestListener {
  return (req, res) => {
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort(new Error("the client went away"));
    });
    let request: Request | undefined;
    try {
      request = toWebRequest(req, controller.signal);
    } catch {
      // A method fetch refuses (TRACE): one such request must not take the server down.
      res.writeHead(405, { "content-type": "text/plain" }).end("method not allowed");
      return;
    }
    if (!request) {
      res.writeHead(400, { "content-type": "text/plain" }).end("bad request target or Host");
      return;
    }
    handler(request)
      .then((response) => writeWebResponse(response, res, req.method === "HEAD"))
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
        else res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
  };
}

/** Options of {@link serve}. */
export interface ServeOptions {
  /** The address to listen on. @default "127.0.0.1" */
  host?: string;
  /** The port; 0 picks a free one. @default 0 */
  port?: number;
  /** Stops the server when aborted. @default none */
  signal?: AbortSignal;
}

/** A server started by {@link serve}. */
export interface RunningServer {
  /** `http://<host>:<port>`, with the port chosen. */
  readonly url: string;
  readonly server: http.Server;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Serves `handler` over HTTP on `host:port` (Node). */
export async function serve(handler: FetchHandler, options: ServeOptions = {}): Promise<RunningServer> {
  // No request timeout: an upload through the relay takes as long as the blob takes (Node's default cuts at 300 s).
  const server = http.createServer({ requestTimeout: 0 }, toNodeListener(handler));
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  options.signal?.addEventListener("abort", () => void close(), { once: true });
  const shown = host.includes(":") ? `[${host}]` : host;
  return { url: `http://${shown}:${port}`, server, close };
}
