// The options of fetchTransport, every default documented where it is declared, and their normalisation into an
// all-required internal shape done once per transport (docs/architecture.md §4 item 8): the request path never
// re-checks `undefined`.

import { type HttpMethod, OciError, type TransportWarning } from "@toci/spec-types";
import { detectRedirectMode, type RedirectMode } from "./redirect.js";

/** The `fetch` function the transport calls: the global one by default, or a wrapper (an undici dispatcher, ...). */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** When and how often a failed request is sent again. */
export interface RetryOptions {
  /**
   * How many times a request may be re-sent after its first attempt; 0 disables retries.
   * @default 2
   */
  limit?: number;
  /**
   * The methods that may be re-sent. POST and PATCH never are, even when listed: neither is idempotent.
   * PUT and DELETE are idempotent per RFC 9110 §9.2.2; note that re-sending the final PUT of an upload whose
   * first attempt did reach the registry answers 404 `BLOB_UPLOAD_UNKNOWN` (the session is gone), which the
   * client must treat as "check whether the blob exists".
   * @default ["GET", "HEAD", "PUT", "DELETE"]
   */
  methods?: readonly HttpMethod[];
  /**
   * The statuses that are transient and re-sent: 408 Request Timeout, 429 Too Many Requests, and the 5xx that
   * mean "try again" (500, 502, 503, 504). Network errors (refused, reset, DNS) are always retried.
   * @default [408, 429, 500, 502, 503, 504]
   */
  statusCodes?: readonly number[];
  /**
   * The delay before the first retry, in ms; it doubles with each retry, and a random half of it is jitter
   * ("equal jitter": the wait is between half and all of the backoff), so clients that failed together do not
   * retry together.
   * @default 250
   */
  backoffBase?: number;
  /**
   * The longest backoff between two attempts, in ms (before jitter).
   * @default 10_000
   */
  backoffMax?: number;
  /**
   * The longest `Retry-After` (seconds or an HTTP date, RFC 9110 §10.2.3) the transport waits, in ms. A response
   * asking for a longer wait is not retried: it is returned as it is, so the caller sees the 429/503 and its
   * `Retry-After` instead of a request that hangs for an hour (Docker Hub's rate limit asks for hours).
   * @default 60_000
   */
  maxRetryAfter?: number;
}

/** The options of {@link fetchTransport}. Every field is optional; `undefined` means the default. */
export interface FetchTransportOptions {
  /**
   * The fetch to call. Pass a wrapper to use an undici `Agent` (connection limits, extra CA certificates, a
   * proxy): `(input, init) => undiciFetch(input, { ...init, dispatcher })`.
   * @default globalThis.fetch
   */
  fetch?: FetchFunction;
  /** Retry policy; see {@link RetryOptions}. `false` disables retries. */
  retry?: RetryOptions | false;
  /**
   * How long one attempt may take until its response headers arrive, in ms; then it fails with `TIMEOUT`.
   * The body is not covered (a 1 GiB blob takes what it takes): see {@link idleTimeout}. 0 disables it.
   * @default 30_000
   */
  timeout?: number;
  /**
   * How long a response body may go without a byte while it is being read, in ms; then the body stream errors
   * with `TIMEOUT` and the connection is closed. Time the caller spends not reading does not count. 0 disables it.
   * @default 30_000
   */
  idleTimeout?: number;
  /**
   * How many redirects one request may follow before the last redirect response is returned as it is.
   * @default 10
   */
  maxRedirects?: number;
  /**
   * Whether a redirect from https: to http: is followed. Off by default: a downgrade exposes the request and
   * the response to anyone on the path; the redirect response is returned instead, as it is.
   * @default false
   */
  allowInsecureRedirects?: boolean;
  /**
   * How redirects are followed. `"manual"`: by the transport, which drops `Authorization` and `Cookie` when the
   * origin changes (Node, Deno, Bun, workers of edge runtimes). `"follow"`: by fetch itself, for browsers, where
   * `redirect: "manual"` only yields an opaque response; there fetch drops `Authorization` on a cross-origin
   * redirect itself (Fetch standard, "HTTP-redirect fetch", step 14).
   * @default "follow" where a DOM `document` or a `WorkerGlobalScope` exists, else "manual"
   */
  redirectMode?: RedirectMode;
  /**
   * Called once for each distinct `Warning: 299 - "text"` header a registry sends (distribution-spec:
   * "SHOULD show to the user unobtrusively, SHOULD de-duplicate, MUST NOT act on them").
   * @default undefined (warnings are ignored)
   */
  onWarning?: (warning: TransportWarning) => void;
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
export interface NormalizedOptions {
  fetch: FetchFunction;
  retry: Required<RetryOptions>;
  timeout: number;
  idleTimeout: number;
  maxRedirects: number;
  allowInsecureRedirects: boolean;
  redirectMode: RedirectMode;
  onWarning: ((warning: TransportWarning) => void) | undefined;
  keepAliveHead: boolean;
  userAgent: string | undefined;
}

const DEFAULT_RETRY: Required<RetryOptions> = {
  limit: 2,
  methods: ["GET", "HEAD", "PUT", "DELETE"],
  statusCodes: [408, 429, 500, 502, 503, 504],
  backoffBase: 250,
  backoffMax: 10_000,
  maxRetryAfter: 60_000,
};

const NEVER_RETRIED: ReadonlySet<string> = new Set(["POST", "PATCH"]);

/** Fills in every default and checks ranges once; throws `INVALID_ARGUMENT` on a nonsensical value. */
export function normalizeOptions(options: FetchTransportOptions = {}): NormalizedOptions {
  const fetchFunction = options.fetch ?? globalThis.fetch?.bind(globalThis);
  if (typeof fetchFunction !== "function") {
    throw new OciError("INVALID_ARGUMENT", "no fetch: this runtime has no global fetch and none was passed");
  }
  const retry =
    options.retry === false ? { ...DEFAULT_RETRY, limit: 0 } : { ...DEFAULT_RETRY, ...defined(options.retry) };
  retry.methods = retry.methods.map((m) => m.toUpperCase() as HttpMethod).filter((m) => !NEVER_RETRIED.has(m));
  const redirectMode = options.redirectMode ?? detectRedirectMode(globalThis);
  return {
    fetch: fetchFunction,
    retry: {
      ...retry,
      limit: count("retry.limit", retry.limit),
      backoffBase: milliseconds("retry.backoffBase", retry.backoffBase),
      backoffMax: milliseconds("retry.backoffMax", retry.backoffMax),
      maxRetryAfter: milliseconds("retry.maxRetryAfter", retry.maxRetryAfter),
    },
    timeout: milliseconds("timeout", options.timeout ?? 30_000),
    idleTimeout: milliseconds("idleTimeout", options.idleTimeout ?? 30_000),
    maxRedirects: count("maxRedirects", options.maxRedirects ?? 10),
    allowInsecureRedirects: options.allowInsecureRedirects ?? false,
    redirectMode,
    onWarning: options.onWarning,
    keepAliveHead: options.keepAliveHead ?? options.fetch === undefined,
    userAgent: options.userAgent ?? (redirectMode === "follow" ? undefined : "toci"),
  };
}

function defined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new OciError("INVALID_ARGUMENT", `${name} must be an integer ≥ 0, got ${value}`);
  }
  return value;
}

function milliseconds(name: string, value: number): number {
  // 2^31 - 1 ms is the longest setTimeout delay; longer values fire at once.
  if (!(value >= 0) || value > 2_147_483_647) {
    throw new OciError("INVALID_ARGUMENT", `${name} must be between 0 and 2147483647 ms, got ${value}`);
  }
  return value;
}
