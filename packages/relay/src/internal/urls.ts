// The relay's URL space. An upstream is a path segment: `<relay>/<name>/v2/…` is the upstream's `<base>/v2/…`,
// so a client points `client.registry("<relay>/<name>")` at it (the client keeps a path prefix), and
// `<relay>/<name>/_token/<realm>` is a token realm of that upstream, the realm's URL in base64url.
import { sameOrigin } from "@toci/spec-types";
import type { RelayConfig, Upstream } from "../options.js";

/** A request the relay serves: an upstream's API, or one of its token realms. */
export type Route =
  | { kind: "api"; upstream: Upstream; target: URL }
  | { kind: "token"; upstream: Upstream; realm: string }
  | { kind: "none"; reason: string };

/** The relay's base URL for a request: `publicUrl`, else the request's origin. */
export function relayBase(config: RelayConfig, requestUrl: URL): URL {
  return config.publicUrl ?? new URL("/", requestUrl);
}

/** What a request URL asks for. */
export function route(config: RelayConfig, url: URL, base: URL): Route {
  if (!url.pathname.startsWith(base.pathname)) return { kind: "none", reason: `nothing is served at ${url.pathname}` };
  const path = url.pathname.slice(base.pathname.length);
  const slash = path.indexOf("/");
  const name = slash === -1 ? path : path.slice(0, slash);
  const upstream = config.upstreams.get(name);
  if (!upstream) return { kind: "none", reason: `no upstream is named ${JSON.stringify(name.slice(0, 100))}` };
  const rest = slash === -1 ? "" : path.slice(slash + 1);
  // An encoded slash, backslash or NUL is no part of a repository, tag, digest or upload path; an upstream (or a
  // proxy before it) that decodes one would route the request outside `<base>/v2/`, credentials included.
  if (/%(?:2f|5c|00)/i.test(rest)) return { kind: "none", reason: "an encoded slash, backslash or NUL in the path" };
  if (rest === "v2" || rest.startsWith("v2/")) {
    const target = new URL(`${upstream.base.href}${rest}${url.search}`);
    // `rest` comes from a parsed URL, whose dot segments are resolved already; checked again all the same.
    if (underApiRoot(upstream, target)) return { kind: "api", upstream, target };
  }
  const token = /^_token\/([A-Za-z0-9_-]{1,4096})$/.exec(rest);
  if (token) {
    const realm = fromBase64Url(token[1]!);
    if (realm !== undefined) return { kind: "token", upstream, realm };
  }
  return { kind: "none", reason: `${JSON.stringify(rest.slice(0, 100))} is not a registry API path` };
}

/** Whether a URL is on the upstream's origin under its API root (`<base>/v2`), where its credentials belong. */
export function underApiRoot(upstream: Upstream, url: URL): boolean {
  if (!sameOrigin(url, upstream.base)) return false;
  const p = url.pathname;
  return p === upstream.apiRoot || p.startsWith(`${upstream.apiRoot}/`);
}

/** The relay's URL for an upstream URL under its API root; undefined for any other URL. */
export function toRelayUrl(url: URL, upstream: Upstream, base: URL): string | undefined {
  if (!underApiRoot(upstream, url)) return undefined;
  return `${base.href}${upstream.name}/${url.pathname.slice(upstream.base.pathname.length)}${url.search}`;
}

/** The relay's URL for a token realm of an upstream. */
export function tokenUrl(realm: URL, upstream: Upstream, base: URL): string {
  return `${base.href}${upstream.name}/_token/${toBase64Url(realm.href)}`;
}

// A URL's serialisation is ASCII (https://url.spec.whatwg.org/#url-serializing percent-encodes the rest), so btoa
// takes it as it is.
function toBase64Url(text: string): string {
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string | undefined {
  try {
    return atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return undefined;
  }
}
