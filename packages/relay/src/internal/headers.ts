// The headers that cross the relay, both ways. Requests: only what the distribution API uses, and
// `Authorization` only where it belongs. Responses: everything but cookies, hop-by-hop headers and headers about
// the upstream's own origin (its CORS, HSTS, Alt-Svc), with the URLs that point at the upstream (`Location`,
// `Link`, Bearer realms) pointed at the relay instead.
import type { Upstream } from "../options.js";
import { rewriteRealms } from "./challenge.js";
import { isForwardableHeader } from "./cors.js";
import { parseRealm } from "./realms.js";
import { tokenUrl, toRelayUrl } from "./urls.js";

/**
 * The headers of a request sent upstream. `Authorization` is kept only when `withAuthorization`; `Content-Length`
 * only when the request sent upstream carries the client's body (`withBody`): a length without its body (a GET
 * that says it has one) would make the upstream read the next request on the connection as that body, so a
 * client could smuggle requests to paths and with headers the relay never allows.
 */
export function upstreamRequestHeaders(request: Request, withAuthorization: boolean, withBody: boolean): Headers {
  const out = new Headers();
  for (const [name, value] of request.headers) {
    if (name === "authorization" && !withAuthorization) continue;
    if (isForwardableHeader(name)) out.set(name, value);
  }
  // Bytes pass through as they are: digests are over the stored bytes, and a runtime's fetch would decode a
  // compressed answer behind the relay's back.
  out.set("accept-encoding", "identity");
  const length = request.headers.get("content-length");
  if (withBody && request.body !== null && length !== null && /^\d{1,16}$/.test(length)) {
    out.set("content-length", length);
  }
  return out;
}

const DROPPED = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "set-cookie",
  "set-cookie2",
  "strict-transport-security",
  "alt-svc",
  "public-key-pins",
  "clear-site-data",
]);

/** Where a response came from, for rewriting its URLs. */
export interface ResponseContext {
  upstream: Upstream;
  /** The upstream URL that answered (relative URLs are resolved against it). */
  url: URL;
  /** The relay's base URL. */
  base: URL;
}

/** The headers a relayed response carries. */
export function relayResponseHeaders(upstream: Headers, context: ResponseContext): Headers {
  const out = new Headers();
  for (const [name, value] of upstream) {
    if (DROPPED.has(name) || name.startsWith("access-control-")) continue;
    out.append(name, value);
  }
  // fetch has decoded a compressed body already (Node, Deno, Bun and workers all do): what the relay sends is the
  // decoded bytes, whose length nobody knows.
  if (out.has("content-encoding")) {
    out.delete("content-encoding");
    out.delete("content-length");
  }
  const location = out.get("location");
  if (location !== null) out.set("location", rewriteUrl(location, context) ?? location);
  const link = out.get("link");
  if (link !== null)
    out.set(
      "link",
      link.replace(/<([^>]*)>/g, (all, ref: string) => rewriteLinkRef(all, ref, context)),
    );
  const challenge = out.get("www-authenticate");
  if (challenge !== null) {
    out.set(
      "www-authenticate",
      rewriteRealms(challenge, (value) => {
        const realm = parseRealm(value);
        return realm && tokenUrl(realm, context.upstream, context.base);
      }),
    );
  }
  return out;
}

function rewriteLinkRef(all: string, ref: string, context: ResponseContext): string {
  const url = rewriteUrl(ref, context);
  return url === undefined ? all : `<${url}>`;
}

/** The relay's URL for a URL reference the upstream sent, when it points under the upstream's API root. */
function rewriteUrl(reference: string, context: ResponseContext): string | undefined {
  let url: URL;
  try {
    url = new URL(reference, context.url);
  } catch {
    return undefined;
  }
  return toRelayUrl(url, context.upstream, context.base);
}
