// CORS, answered by the relay itself (https://fetch.spec.whatwg.org/#http-cors-protocol): registries with auth
// answer a preflight with 401 (the auth check runs before the method handler), so a page on another origin never
// gets to send its request. The relay answers preflights for the origins it allows, and marks its answers readable
// by them. Credentials mode is not needed: the client sends `Authorization` as a header, and cookies are stripped.

/** Methods the OCI distribution API uses. */
const METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE";

/** Request headers a client of the distribution API sends (besides the CORS-safelisted ones). */
const REQUEST_HEADERS = new Set([
  "accept",
  "authorization",
  "content-type",
  "content-range",
  "range",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "if-range",
  "user-agent",
]);

/** Whether a client may send a request header through the relay (preflight and forwarding alike). */
export function isForwardableHeader(name: string): boolean {
  const n = name.toLowerCase();
  return REQUEST_HEADERS.has(n) || n.startsWith("oci-") || n.startsWith("docker-");
}

/**
 * Response headers the client reads: digests, pagination, upload sessions, ranges, challenges, validators, the
 * retry hint. `Access-Control-Expose-Headers: *` would not do: it is a literal name when credentials are involved,
 * and lists make what a page sees explicit.
 */
const EXPOSED = [
  "Content-Length",
  "Content-Range",
  "Range",
  "Accept-Ranges",
  "Location",
  "Link",
  "ETag",
  "WWW-Authenticate",
  "Retry-After",
  "Warning",
  "Docker-Content-Digest",
  "Docker-Upload-UUID",
  "Docker-Distribution-Api-Version",
  "OCI-Chunk-Min-Length",
  "OCI-Subject",
  "OCI-Filters-Applied",
];
const EXPOSED_LOWER = new Set(EXPOSED.map((h) => h.toLowerCase()));

/** Adds the headers that let `origin` read `headers`' response. */
export function addCorsHeaders(headers: Headers, origin: string): void {
  headers.set("access-control-allow-origin", origin);
  headers.append("vary", "Origin");
  const exposed = [...EXPOSED];
  // OCI-* and Docker-* headers the list does not know yet (a registry's newer ones) are exposed as they come.
  for (const name of headers.keys()) {
    if ((name.startsWith("oci-") || name.startsWith("docker-")) && !EXPOSED_LOWER.has(name)) exposed.push(name);
  }
  headers.set("access-control-expose-headers", exposed.join(", "));
}

/** Whether a request is a CORS preflight. */
export function isPreflight(request: Request): boolean {
  return request.method === "OPTIONS" && request.headers.has("access-control-request-method");
}

/** The answer to a preflight from an allowed origin. */
export function preflightResponse(request: Request, origin: string, maxAge: number): Response {
  const headers = new Headers({
    "access-control-allow-origin": origin,
    "access-control-allow-methods": METHODS,
    "access-control-max-age": String(maxAge),
    vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
  });
  const requested = (request.headers.get("access-control-request-headers") ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== "" && isForwardableHeader(h));
  if (requested.length > 0) headers.set("access-control-allow-headers", requested.join(", "));
  // Private Network Access (https://wicg.github.io/private-network-access/): a page on a public origin asking a
  // relay on loopback or the LAN (`toci relay` on a developer's machine) needs this opt-in.
  if (request.headers.get("access-control-request-private-network") === "true") {
    headers.set("access-control-allow-private-network", "true");
  }
  return new Response(null, { status: 204, headers });
}
