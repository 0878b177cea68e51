// The options of fetchTransport: the common ones (retry, timeouts, redirects, warnings, User-Agent) are
// @toci/spec-types' transport-options.ts, normalised there for every transport; this file adds what only a
// fetch-based transport has (the fetch to call, the redirect mode, HEAD keep-alive) and normalises it once per
// transport (docs/architecture.md §4 item 8): the request path never re-checks `undefined`.

import {
  type CommonTransportOptions,
  type NormalizedTransportOptions,
  normalizeTransportOptions,
  OciError,
} from "@toci/spec-types";
import { detectRedirectMode, isBrowserGlobal, type RedirectMode } from "./redirect.js";

/** The `fetch` function the transport calls: the global one by default, or a wrapper (an undici dispatcher, ...). */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * The options of {@link fetchTransport}. Every field is optional; `undefined` means the default. The common
 * fields (`retry`, `timeout`, `idleTimeout`, `maxRedirects`, `allowInsecureRedirects`, `onWarning`, `userAgent`)
 * are documented on `CommonTransportOptions` of `@toci/spec-types`.
 */
export interface FetchTransportOptions extends CommonTransportOptions {
  /**
   * The fetch to call. Pass a wrapper to use an undici `Agent` or `ProxyAgent` (connection limits, extra CA
   * certificates, a proxy): `(input, init) => undiciFetch(input, { ...init, dispatcher })`. See the README,
   * "Proxies".
   * @default globalThis.fetch
   */
  fetch?: FetchFunction;
  /**
   * How long one attempt may take until its response headers arrive, in ms, upload included; then it fails
   * with `TIMEOUT`. The body is not covered (a 1 GiB blob takes what it takes): see `idleTimeout`. 0 disables it.
   * @default 30_000
   */
  timeout?: number;
  /**
   * How redirects are followed. `"manual"`: by the transport, which drops `Authorization` and `Cookie` when the
   * origin changes (Node, Deno, Bun, workers of edge runtimes). `"follow"`: by fetch itself, for browsers, where
   * `redirect: "manual"` only yields an opaque response; there fetch drops `Authorization` on a cross-origin
   * redirect itself (Fetch standard, "HTTP-redirect fetch", step 14).
   * @default "follow" where a DOM `document` or a `WorkerGlobalScope` exists, else "manual"
   */
  redirectMode?: RedirectMode;
  /**
   * Whether a request body that is a `ReadableStream` goes to fetch as a stream. Browsers stream uploads only over
   * HTTP/2 or later (Chromium fails one over HTTP/1.1; Firefox and Safari stream none), so there the stream is read
   * into a Blob first, one request's worth (a chunk, or a blob up to the client's `monolithicMax`); a Blob is also
   * sent again on a retry. Turn it on for a registry you know speaks HTTP/2 to a browser, to upload without the
   * wait for that read.
   * @default false where a DOM `document` or a `WorkerGlobalScope` exists, else true
   */
  streamUploads?: boolean;
  /**
   * Node only: keep the connection open after a HEAD. Node's fetch closes it after every HEAD (undici, for servers
   * that wrongly send a body on HEAD; registries do not), which costs a TCP and TLS handshake per HEAD. When on, a
   * HEAD goes through undici's global dispatcher with `reset: false`; see keep-alive-head.ts. Ignored elsewhere.
   * With a custom `fetch`, give its dispatcher the same treatment yourself.
   * @default true with the global fetch, false with a custom `fetch`
   */
  keepAliveHead?: boolean;
  /**
   * The `User-Agent` sent when a request has none. Not set in browsers by default: it would make every
   * request "non-simple" and cost a CORS preflight.
   * @default "toci" outside browsers, undefined in browsers
   */
  userAgent?: string;
}

/** The options after normalisation: nothing is left undefined except what may stay so. */
export interface NormalizedOptions extends NormalizedTransportOptions {
  fetch: FetchFunction;
  redirectMode: RedirectMode;
  streamUploads: boolean;
  keepAliveHead: boolean;
}

/** Fills in every default and checks ranges once; throws `INVALID_ARGUMENT` on a nonsensical value. */
export function normalizeOptions(options: FetchTransportOptions = {}): NormalizedOptions {
  const fetchFunction = options.fetch ?? globalThis.fetch?.bind(globalThis);
  if (typeof fetchFunction !== "function") {
    throw new OciError("INVALID_ARGUMENT", "no fetch: this runtime has no global fetch and none was passed");
  }
  const redirectMode = options.redirectMode ?? detectRedirectMode(globalThis);
  const browser = isBrowserGlobal(globalThis);
  return {
    ...normalizeTransportOptions(options, redirectMode === "follow" ? undefined : "toci"),
    fetch: fetchFunction,
    redirectMode,
    streamUploads: options.streamUploads ?? !browser,
    keepAliveHead: options.keepAliveHead ?? options.fetch === undefined,
  };
}
