// The relay's options, documented with their defaults and normalised once, when relay() is called: a mistake in
// them is an INVALID_ARGUMENT at start-up, never a surprise on the first request.
import { isLoopbackHost, OciError } from "@toci/spec-types";
import { parseRealm } from "./internal/realms.js";

/** A registry the relay forwards to. */
export interface UpstreamOptions {
  /**
   * The registry's base URL, `https://ghcr.io` or `http://127.0.0.1:5001`; a path prefix is kept
   * (`https://host/prefix` serves `/prefix/v2/…`).
   */
  url: string;
  /**
   * The path segment that names the upstream in the relay's URLs: `<relay>/<name>/v2/…`. Letters, digits and
   * `. _ : -`.
   * @default the URL's host with its port (`ghcr.io`, `127.0.0.1:5001`); an IPv6 address needs a name
   */
  name?: string;
  /**
   * Other origins that belong to this upstream and may be reached although they are on a private, loopback or
   * link-local address or speak plain HTTP: its token service, its blob storage (`http://127.0.0.1:5002`).
   * Public HTTPS origins the upstream names (a token realm it announces, a storage host it redirects a blob
   * download to) need no listing.
   * @default []
   */
  origins?: readonly string[];
  /**
   * The token realms of this upstream (absolute URLs; matched by origin and path), for an upstream whose `/v2/`
   * does not name them in its challenge. Otherwise the relay forwards token requests only to the realms the upstream
   * announced: in a challenge it relayed, or, for an instance that has not seen one yet, at its `/v2/`. A realm on a
   * private address or over plain HTTP needs its origin in `origins` as well.
   * @default []
   */
  realms?: readonly string[];
  /**
   * Credentials the relay lends to requests for this upstream that carry no `Authorization` of their own, so a page
   * pulls private content without holding the secret: Basic and registry tokens go to the upstream's API, Basic and
   * refresh tokens to the token realms the relay lets this upstream use, nowhere else. Everyone who can reach the
   * relay from an allowed origin (and any program that can reach its address, since `Origin` is only a browser's
   * promise) acts with them. A function is called for every request that needs them: cache inside it when it is
   * slow (a credential helper).
   * @default none: only the client's own credentials pass
   */
  credentials?: UpstreamCredentials | ((request: { signal: AbortSignal }) => Promise<UpstreamCredentials | undefined>);
}

/**
 * What an upstream's credentials can be: the shapes of `@toci/client`'s `Auth` and of `@toci/credentials`' answers,
 * so a provider's answer is passed as it is.
 */
export type UpstreamCredentials =
  | { type: "basic"; username: string; password: string }
  | { type: "bearer"; token: string }
  | { type: "refresh-token"; refreshToken: string; clientId?: string };

/** A fetch handler: the shape Deno, Bun, edge runtimes and service workers serve, and `@toci/relay/node` adapts. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** What {@link RelayOptions.log} receives: a request the relay refused or could not complete. */
export interface RelayEvent {
  /** `refused`: the request broke a rule (origin, upstream, address); `failed`: an upstream could not be reached. */
  type: "refused" | "failed";
  /** The status the relay answered. */
  status: number;
  method: string;
  /** The request URL (the relay's). */
  url: string;
  /** Why, in words. */
  reason: string;
}

/** Options of {@link relay}. */
export interface RelayOptions {
  /**
   * The registries the relay forwards to, by URL or with options. Nothing else is reachable through it: a
   * request for another upstream name is answered 404.
   */
  upstreams: readonly (string | UpstreamOptions)[];
  /**
   * The origins of the pages that may use the relay (`https://app.example`, `http://127.0.0.1:5173`), matched
   * exactly, or a predicate. A request from another origin is answered 403 without CORS headers, so the browser
   * shows the page nothing.
   */
  allowOrigins: readonly string[] | ((origin: string) => boolean);
  /**
   * Whether requests without an `Origin` header are served. Browsers send `Origin` on every cross-origin fetch;
   * a request without one comes from a non-browser client, or from a page on the relay's own origin.
   * @default false
   */
  allowNoOrigin?: boolean;
  /**
   * The host names the relay answers for (`relay.example`, `127.0.0.1:5080`: the `Host` a client sends, with the
   * port unless it is the scheme's). A request naming another host is answered 421. Without this option, a
   * request with an allowed `Origin` is served for any host, and one without `Origin` (`allowNoOrigin`) only for
   * `publicUrl`'s host and loopback ones (`localhost`, `127.0.0.1`, `[::1]`): a page on a name its owner points
   * at the relay's address (DNS rebinding) sends its own origin's GETs without `Origin`, and would otherwise reach
   * the upstreams, lent credentials included, as a program does.
   * @default any host with an allowed `Origin`; `publicUrl`'s and loopback hosts without
   */
  hosts?: readonly string[];
  /**
   * The relay's URL as its clients reach it (`https://relay.example/registries/`): the base of the URLs it
   * writes into `Location`, `Link` and `WWW-Authenticate`, and of the paths it serves. Set it behind a reverse
   * proxy that changes the scheme, host or path.
   * @default the origin of each request, with the path `/`
   */
  publicUrl?: string;
  /**
   * The `fetch` the relay sends upstream requests with (a runtime's own, or one with a proxy or a CA). In Node,
   * `nodeFetch` from `@toci/relay/node`: Node's own holds a streamed upload in memory until it ends.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * How many redirects of one GET or HEAD the relay follows for the client (a blob moved to storage).
   * @default 5
   */
  maxRedirects?: number;
  /**
   * How long a browser may cache a preflight answer, in seconds (`Access-Control-Max-Age`).
   * @default 600
   */
  maxAge?: number;
  /** Receives every refused or failed request, for a log. @default nothing */
  log?: (event: RelayEvent) => void;
}

/** An upstream, normalised. */
export interface Upstream {
  name: string;
  /** The base URL, ending with `/`. */
  base: URL;
  /** `<base path>v2`: the API root, where credentials may go. */
  apiRoot: string;
  /** The listed origins (see {@link UpstreamOptions.origins}), the upstream's own included. */
  origins: ReadonlySet<string>;
  /** The listed realms, as origin and path (see {@link UpstreamOptions.realms}). */
  realms: ReadonlySet<string>;
  /** See {@link UpstreamOptions.credentials}. */
  credentials: UpstreamOptions["credentials"];
}

/** The options, normalised. */
export interface RelayConfig {
  upstreams: ReadonlyMap<string, Upstream>;
  isAllowedOrigin: (origin: string) => boolean;
  allowNoOrigin: boolean;
  /** The listed hosts (lower case); undefined when any host is served to requests with an allowed `Origin`. */
  hosts: ReadonlySet<string> | undefined;
  /** Whether a request without `Origin` may be served for this URL's host. */
  servesNoOriginAt: (url: URL) => boolean;
  publicUrl: URL | undefined;
  fetch: typeof fetch;
  maxRedirects: number;
  maxAge: number;
  log: (event: RelayEvent) => void;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;

/** Validates and normalises the options; throws `INVALID_ARGUMENT` for anything unusable. */
export function resolveRelayOptions(options: RelayOptions): RelayConfig {
  if (!options || !Array.isArray(options.upstreams) || options.upstreams.length === 0) {
    throw new OciError("INVALID_ARGUMENT", "relay() needs at least one upstream");
  }
  const upstreams = new Map<string, Upstream>();
  for (const entry of options.upstreams) {
    const upstream = resolveUpstream(typeof entry === "string" ? { url: entry } : entry);
    if (upstreams.has(upstream.name)) {
      throw new OciError("INVALID_ARGUMENT", `two upstreams are named ${JSON.stringify(upstream.name)}`);
    }
    upstreams.set(upstream.name, upstream);
  }
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== "function") throw new OciError("INVALID_ARGUMENT", "relay() needs a fetch");
  const publicUrl = options.publicUrl === undefined ? undefined : baseUrl(options.publicUrl, "publicUrl");
  // publicUrl's host is the relay's own name: listed with the others.
  const hosts =
    options.hosts === undefined ? undefined : hostSet([...options.hosts, ...(publicUrl ? [publicUrl.host] : [])]);
  return {
    upstreams,
    isAllowedOrigin: originMatcher(options.allowOrigins),
    allowNoOrigin: options.allowNoOrigin === true,
    hosts,
    servesNoOriginAt: (url) => isLoopbackHost(url.hostname) || url.host === publicUrl?.host || namesHost(hosts, url),
    publicUrl,
    fetch: fetchFn,
    maxRedirects: count(options.maxRedirects, 5, "maxRedirects"),
    maxAge: count(options.maxAge, 600, "maxAge"),
    log: options.log ?? (() => {}),
  };
}

function resolveUpstream(options: UpstreamOptions): Upstream {
  const base = baseUrl(options?.url, "an upstream URL");
  const name = options.name ?? base.host;
  if (!NAME.test(name)) {
    throw new OciError(
      "INVALID_ARGUMENT",
      `upstream name ${JSON.stringify(name)} is not a path segment (letters, digits, ". _ : -"): give it a name`,
    );
  }
  const origins = new Set([base.origin]);
  for (const origin of options.origins ?? []) origins.add(baseUrl(origin, "an upstream origin").origin);
  const realms = new Set<string>();
  for (const realm of options.realms ?? []) {
    const url = parseRealm(String(realm));
    if (!url) throw new OciError("INVALID_ARGUMENT", `a realm of upstream ${name} is not an http(s) URL: ${realm}`);
    realms.add(`${url.origin}${url.pathname}`);
  }
  const credentials = options.credentials;
  if (credentials !== undefined && typeof credentials !== "function" && !isCredentials(credentials)) {
    throw new OciError(
      "INVALID_ARGUMENT",
      `the credentials of upstream ${name} are not basic, bearer or refresh-token`,
    );
  }
  return { name, base, apiRoot: `${base.pathname}v2`, origins, realms, credentials };
}

/**
 * `host` or `host:port` (a name, an IPv4 address or a bracketed IPv6 one): a `hosts` entry, and a `Host` header the
 * Node adapter takes (node-bridge.ts).
 */
export const HOST = /^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

function hostSet(hosts: readonly string[]): ReadonlySet<string> {
  if (!Array.isArray(hosts)) throw new OciError("INVALID_ARGUMENT", "hosts must be a list of host names");
  const out = new Set<string>();
  for (const entry of hosts) {
    const host = String(entry).toLowerCase();
    if (!HOST.test(host))
      throw new OciError("INVALID_ARGUMENT", `a host is host or host:port: ${JSON.stringify(entry)}`);
    // As a request URL spells it: IPv6 in canonical form, no trailing dot, no `:80`.
    out.add(new URL(`http://${host.replace(/\.(?=:|$)/, "")}/`).host);
  }
  return out;
}

/** Whether `hosts` names the host of `url` (with its port, or with the scheme's when the URL has none). */
export function namesHost(hosts: ReadonlySet<string> | undefined, url: URL): boolean {
  if (!hosts) return false;
  const host = url.host.toLowerCase().replace(/\.(?=:|$)/, "");
  return hosts.has(host) || (url.port === "" && hosts.has(`${host}:${url.protocol === "https:" ? 443 : 80}`));
}

function isCredentials(value: UpstreamCredentials): boolean {
  const v = value as Partial<Record<string, unknown>>;
  if (v.type === "basic") return typeof v.username === "string" && typeof v.password === "string";
  if (v.type === "bearer") return typeof v.token === "string";
  return v.type === "refresh-token" && typeof v.refreshToken === "string";
}

/** An http(s) URL without credentials, query or fragment, its path ending with `/`. */
function baseUrl(text: unknown, what: string): URL {
  let url: URL;
  try {
    url = new URL(String(text));
  } catch (cause) {
    throw new OciError("INVALID_ARGUMENT", `${what} is not a URL: ${JSON.stringify(text)}`, { cause });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OciError("INVALID_ARGUMENT", `${what} must be http or https: ${JSON.stringify(text)}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new OciError("INVALID_ARGUMENT", `${what} may not carry credentials, a query or a fragment`);
  }
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

function originMatcher(allow: RelayOptions["allowOrigins"]): (origin: string) => boolean {
  if (typeof allow === "function") return (origin) => allow(origin) === true;
  if (!Array.isArray(allow)) {
    throw new OciError("INVALID_ARGUMENT", "allowOrigins must be a list of origins or a predicate");
  }
  const origins = new Set<string>();
  for (const entry of allow) {
    const url = baseUrl(entry, "an allowed origin");
    if (url.pathname !== "/") throw new OciError("INVALID_ARGUMENT", `an origin has no path: ${JSON.stringify(entry)}`);
    origins.add(url.origin);
  }
  return (origin) => origins.has(origin);
}

function count(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new OciError("INVALID_ARGUMENT", `${what} must be a whole number ≥ 0, not ${value}`);
  }
  return value;
}
