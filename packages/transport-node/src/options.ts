// The options of nodeTransport, every default documented where it is declared, and their normalisation into an
// all-required internal shape done once per transport (docs/architecture.md §4 item 8): the request path never
// re-checks `undefined`. Retry, timeout, redirect and warning options mean what they mean for
// @toci/transport-fetch; the connection and TLS options are what only node:http can offer.

import { Buffer } from "node:buffer";
import { type HttpMethod, OciError, type TransportWarning } from "@toci/spec-types";

/** When and how often a failed request is sent again. */
export interface RetryOptions {
  /**
   * How many times a request may be re-sent after its first attempt; 0 disables retries.
   * @default 2
   */
  limit?: number;
  /**
   * The methods that may be re-sent. POST and PATCH never are, even when listed: neither is idempotent.
   * PUT and DELETE are idempotent per RFC 9110 §9.2.2; re-sending the final PUT of an upload whose first attempt
   * did reach the registry answers 404 `BLOB_UPLOAD_UNKNOWN`, which the client treats as "check whether the blob
   * exists".
   * @default ["GET", "HEAD", "PUT", "DELETE"]
   */
  methods?: readonly HttpMethod[];
  /**
   * The statuses that are transient and re-sent: 408, 429, 500, 502, 503, 504. Network errors (refused, reset,
   * DNS) are always retried.
   * @default [408, 429, 500, 502, 503, 504]
   */
  statusCodes?: readonly number[];
  /**
   * The delay before the first retry, in ms; it doubles with each retry, with "equal jitter" (the wait is between
   * half and all of the backoff).
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
   * asking for longer is returned as it is, so the caller sees the 429/503 and its `Retry-After`.
   * @default 60_000
   */
  maxRetryAfter?: number;
}

/** The options of {@link nodeTransport}. Every field is optional; `undefined` means the default. */
export interface NodeTransportOptions {
  /** Retry policy; see {@link RetryOptions}. `false` disables retries. */
  retry?: RetryOptions | false;
  /**
   * How long one attempt may go without progress until its response headers arrive, in ms; then it fails with
   * `TIMEOUT`. Progress is the socket taking more of the request body: a long upload is not cut off for being
   * long, only for stalling, and the registry has `timeout` ms to answer once the body is sent. (fetchTransport
   * counts the whole attempt, upload included.) The response body is not covered: see {@link idleTimeout}.
   * 0 disables it.
   * @default 30_000
   */
  timeout?: number;
  /**
   * How long a response body may go without a byte while the transport waits for one, in ms; then the body
   * stream errors with `TIMEOUT` and the connection is closed. Time the caller spends not reading, while bytes
   * are waiting for it, does not count. 0 disables it.
   * @default 30_000
   */
  idleTimeout?: number;
  /**
   * How many redirects one request may follow before the last redirect response is returned as it is.
   * @default 10
   */
  maxRedirects?: number;
  /**
   * Whether a redirect from https: to http: is followed. Off by default: a downgrade exposes the request and the
   * response to anyone on the path; the redirect response is returned instead, as it is.
   * @default false
   */
  allowInsecureRedirects?: boolean;
  /**
   * Called once for each distinct `Warning: 299 - "text"` header a registry sends (distribution-spec:
   * "SHOULD show to the user unobtrusively, SHOULD de-duplicate, MUST NOT act on them").
   * @default undefined (warnings are ignored)
   */
  onWarning?: (warning: TransportWarning) => void;
  /**
   * The `User-Agent` sent when a request has none.
   * @default "toci"
   */
  userAgent?: string;
  /**
   * The most connections open at once to one origin (scheme, host, port); further requests wait for a free one.
   * The client's own concurrency (8 blobs by default) should fit under it.
   * @default 16
   */
  maxSockets?: number;
  /**
   * How long an unused keep-alive connection stays open, in ms. Registries close idle connections themselves
   * (Go's net/http after its IdleTimeout); a request that meets a connection the server has just closed is
   * re-sent once on a new one (see README, "Connections").
   * @default 15_000
   */
  keepAliveTimeout?: number;
  /**
   * Extra certificate authorities (PEM), trusted on top of Node's bundled roots (and `NODE_EXTRA_CA_CERTS`): a
   * private registry's CA. fetch cannot take this per transport.
   * @default undefined
   */
  ca?: string | Buffer | readonly (string | Buffer)[];
  /**
   * Accept any TLS certificate (self-signed, expired, another host's): `rejectUnauthorized: false`, what skopeo's
   * `--tls-verify=false` does. Anyone on the path can then read and change the traffic; for test registries only.
   * @default false
   */
  insecure?: boolean;
}

/** The options after normalisation: nothing is left undefined except what may stay so. */
export interface NormalizedOptions {
  retry: Required<RetryOptions>;
  timeout: number;
  idleTimeout: number;
  maxRedirects: number;
  allowInsecureRedirects: boolean;
  onWarning: ((warning: TransportWarning) => void) | undefined;
  userAgent: string;
  maxSockets: number;
  keepAliveTimeout: number;
  ca: (string | Buffer)[] | undefined;
  insecure: boolean;
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
export function normalizeOptions(options: NodeTransportOptions = {}): NormalizedOptions {
  const retry =
    options.retry === false ? { ...DEFAULT_RETRY, limit: 0 } : { ...DEFAULT_RETRY, ...defined(options.retry) };
  retry.methods = retry.methods.map((m) => m.toUpperCase() as HttpMethod).filter((m) => !NEVER_RETRIED.has(m));
  const maxSockets = options.maxSockets ?? 16;
  if (!Number.isInteger(maxSockets) || maxSockets < 1) {
    throw new OciError("INVALID_ARGUMENT", `maxSockets must be an integer ≥ 1, got ${maxSockets}`);
  }
  return {
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
    onWarning: options.onWarning,
    userAgent: options.userAgent ?? "toci",
    maxSockets,
    keepAliveTimeout: milliseconds("keepAliveTimeout", options.keepAliveTimeout ?? 15_000),
    ca:
      options.ca === undefined
        ? undefined
        : typeof options.ca === "string" || Buffer.isBuffer(options.ca)
          ? [options.ca]
          : [...options.ca],
    insecure: options.insecure ?? false,
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
