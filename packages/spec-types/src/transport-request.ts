// The checks every Transport makes on a request before sending anything, so that a malformed request is
// `INVALID_ARGUMENT` in every transport alike, never a network error that would be retried. Pure, like
// retry-policy.ts; each transport passes its own Headers class (node:http's avoids loading undici).

import { OciError } from "./errors.js";
import { redactUrl } from "./redact.js";
import type { HttpMethod, TransportRequest } from "./transport.js";

const METHODS: ReadonlySet<string> = new Set<HttpMethod>(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]);

/** A request that passed {@link checkRequest}: an upper-case method, a parsed http(s) URL, headers to send. */
export interface CheckedRequest {
  method: HttpMethod;
  url: URL;
  headers: Headers;
}

/**
 * Checks a request and parses its URL and headers: a supported method, an absolute http: or https: URL without
 * credentials (as fetch refuses them: credentials belong in headers, where redirects can drop them), no body on GET
 * or HEAD, valid header names and values. Throws `INVALID_ARGUMENT`.
 */
export function checkRequest(
  request: TransportRequest,
  makeHeaders: (init: Record<string, string> | undefined) => Headers,
): CheckedRequest {
  const method = String(request.method).toUpperCase();
  if (!METHODS.has(method)) throw new OciError("INVALID_ARGUMENT", `unsupported HTTP method ${request.method}`);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch (error) {
    throw new OciError("INVALID_ARGUMENT", `not a URL: ${redactUrl(String(request.url))}`, { cause: error });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OciError("INVALID_ARGUMENT", `not an http(s) URL: ${redactUrl(String(request.url))}`);
  }
  if (url.username || url.password) throw new OciError("INVALID_ARGUMENT", "credentials in a URL are not sent");
  if (request.body != null && (method === "GET" || method === "HEAD")) {
    throw new OciError("INVALID_ARGUMENT", `a ${method} request cannot have a body`);
  }
  let headers: Headers;
  try {
    headers = makeHeaders(request.headers);
  } catch (error) {
    throw new OciError("INVALID_ARGUMENT", "invalid request headers", { cause: error });
  }
  return { method: method as HttpMethod, url, headers };
}
