// CORS for browser tests: distribution 2.8.2 cannot serve a page on another origin once auth is on (its
// preflights get 401, docs/architecture.md §7), so the proxy and its blob origin can answer preflights themselves and add
// CORS headers to every response. The Origin is echoed (a redirected request carries `Origin: null`).
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";

/** Response headers a registry client must be able to read (docs/architecture.md §7). */
const EXPOSED = [
  "Docker-Content-Digest",
  "Docker-Upload-UUID",
  "Location",
  "Range",
  "Content-Range",
  "Content-Length",
  "Link",
  "WWW-Authenticate",
  "Retry-After",
  "Warning",
  "OCI-Chunk-Min-Length",
  "OCI-Subject",
  "OCI-Filters-Applied",
].join(", ");

/** The CORS headers for a response to `req`. */
export function corsHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  return {
    "access-control-allow-origin": req.headers.origin ?? "*",
    "access-control-expose-headers": EXPOSED,
    vary: "Origin",
  };
}

/** Answers a CORS preflight (OPTIONS with Access-Control-Request-Method) with 204; false for anything else. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== "OPTIONS" || !req.headers["access-control-request-method"]) return false;
  res.writeHead(204, {
    ...corsHeaders(req),
    "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
    "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "*",
    "access-control-max-age": "600",
  });
  res.end();
  return true;
}
