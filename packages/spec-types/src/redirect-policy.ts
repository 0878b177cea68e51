// The redirect rules of transports. A transport follows redirects itself rather than trusting its HTTP stack to:
// what a redirect does to credentials must not depend on a runtime's version or a user-supplied fetch, and a
// credential leak is too costly to leave to either (oras-go GHSA-vh4v-2xq2-g5cg: a redirect to another *port* of
// the same host). Pure and transport-neutral, like retry-policy.ts, so that every Transport decides alike; each
// sends the hops itself (and discards each redirect's body so the connection is reused).

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Whether a status is a redirect a transport follows. 300 (multiple choices) and 304 are not. */
export function isRedirect(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/** The origin of a URL: scheme, host and port (RFC 6454); the same host on another port is another origin. */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.hostname === b.hostname && effectivePort(a) === effectivePort(b);
}

function effectivePort(url: URL): string {
  // URL drops a default port ("https://h:443" has port ""), so "" and the scheme default are the same port.
  return url.port || (url.protocol === "https:" ? "443" : url.protocol === "http:" ? "80" : "");
}

/** One hop of a request: what is sent. */
export interface Hop {
  url: URL;
  method: string;
  headers: Headers;
  /** Whether the body is sent on this hop (dropped when a redirect turns the request into a GET). */
  keepBody: boolean;
}

/** Why a redirect is not followed; the redirect response is then returned as it is. */
export type RedirectRefusal = "no-location" | "bad-location" | "downgrade" | "unreplayable-body";

/** What {@link nextHop} needs to know besides the hop. */
export interface NextHopOptions {
  /** Follow https → http. */
  allowInsecureRedirects: boolean;
  /** Whether the request's body can be sent again (bytes can, a stream cannot). */
  replayableBody: boolean;
  /** Whether the request has a body. */
  hasBody: boolean;
  /**
   * A copy of headers, of the transport's own Headers class: the node:http transport keeps its own so that a
   * process never loads undici (which the global `Headers` does), so this module constructs none.
   */
  copyHeaders: (headers: Headers) => Headers;
}

/**
 * The next hop after a redirect response, following the Fetch standard's "HTTP-redirect fetch":
 * - 303, and 301/302 of a POST, become a GET without a body (and without the headers that describe one);
 *   307 and 308 keep the method and the body;
 * - `Authorization`, `Cookie` and `Proxy-Authorization` are dropped when the origin changes, and stay dropped on
 *   later hops (the credential was for the first origin only);
 * - https → http is refused unless allowed, and a body that cannot be sent again (a stream) cannot follow 307/308.
 */
export function nextHop(
  hop: Hop,
  status: number,
  location: string | null,
  options: NextHopOptions,
): Hop | RedirectRefusal {
  if (location === null) return "no-location";
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    return "bad-location";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "bad-location";
  if (hop.url.protocol === "https:" && url.protocol === "http:" && !options.allowInsecureRedirects) return "downgrade";
  url.hash = "";

  const headers = options.copyHeaders(hop.headers);
  let method = hop.method;
  let keepBody = hop.keepBody;
  if (
    (status === 303 && method !== "GET" && method !== "HEAD") ||
    ((status === 301 || status === 302) && method === "POST")
  ) {
    method = "GET";
    keepBody = false;
    for (const name of ["content-type", "content-length", "content-encoding", "content-language", "content-location"]) {
      headers.delete(name);
    }
  }
  if (keepBody && options.hasBody && !options.replayableBody) return "unreplayable-body";
  if (!sameOrigin(hop.url, url)) {
    headers.delete("authorization");
    headers.delete("cookie");
    headers.delete("proxy-authorization");
  }
  return { url, method, headers, keepBody };
}
