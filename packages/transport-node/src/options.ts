// The options of nodeTransport: the common ones (retry, timeouts, redirects, warnings, User-Agent) are
// @toci/spec-types' transport-options.ts, normalised there for every transport; this file adds what only a Node
// transport can offer (connection pools, TLS per origin with client certificates, proxies) and normalises it once
// per transport (docs/architecture.md §4 item 8): the request path never re-checks `undefined`.

import { Buffer } from "node:buffer";
import {
  type CommonTransportOptions,
  countOption,
  millisecondsOption,
  type NormalizedTransportOptions,
  normalizeTransportOptions,
  OciError,
} from "@toci/spec-types";
import { type ProxyOptions, type ProxySettings, proxySettings } from "./proxy.js";

/** PEM text or bytes: a certificate, a chain, or a key. */
export type Pem = string | Buffer;

/** The TLS settings of one origin (or of every origin, at the top level of the options). */
export interface TlsOptions {
  /**
   * Extra certificate authorities (PEM), trusted on top of Node's bundled roots (and `NODE_EXTRA_CA_CERTS`): a
   * private registry's CA. fetch cannot take this per transport.
   * @default undefined
   */
  ca?: Pem | readonly Pem[];
  /**
   * A client certificate (PEM, the chain after it if any) for registries that ask for one (mTLS); needs `key`.
   * @default undefined
   */
  cert?: Pem;
  /**
   * The private key of `cert` (PEM, unencrypted).
   * @default undefined
   */
  key?: Pem;
  /**
   * Accept any TLS certificate (self-signed, expired, another host's): `rejectUnauthorized: false`, what skopeo's
   * `--tls-verify=false` does. Anyone on the path can then read and change the traffic; for test registries only.
   * @default false
   */
  insecure?: boolean;
}

/**
 * The options of {@link nodeTransport}. Every field is optional; `undefined` means the default. The common fields
 * (`retry`, `idleTimeout`, `maxRedirects`, `allowInsecureRedirects`, `onWarning`, `userAgent`) are documented on
 * `CommonTransportOptions` of `@toci/spec-types`; `ca`, `cert`, `key` and `insecure` apply to every origin that
 * `tls` does not name.
 */
export interface NodeTransportOptions extends CommonTransportOptions, TlsOptions {
  /**
   * How long one attempt may go without progress until its response headers arrive, in ms; then it fails with
   * `TIMEOUT`. Progress is the socket taking more of the request body: a long upload is not cut off for being
   * long, only for stalling, and the registry has `timeout` ms to answer once the body is sent. (fetchTransport
   * counts the whole attempt, upload included.) The response body is not covered: see `idleTimeout`. 0 disables
   * it.
   * @default 30_000
   */
  timeout?: number;
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
   * TLS settings per origin (`"https://registry.example:5000"`), each replacing the top-level `ca`, `cert`, `key`
   * and `insecure` for that origin: a client certificate for one registry only, a CA for another.
   * @default {}
   */
  tls?: Readonly<Record<string, TlsOptions>>;
  /**
   * The HTTP proxy. By default the environment's, as curl and Go read it: `HTTPS_PROXY` for https: URLs,
   * `HTTP_PROXY` for http: ones (upper case first, then lower case), `NO_PROXY` for the hosts that go direct.
   * A string is one proxy for every URL (`"http://user:pass@proxy:3128"`); an object sets each part; `false`
   * means no proxy at all. See the README, "Proxies", for the rules (loopback included).
   * @default the environment's
   */
  proxy?: string | ProxyOptions | false;
}

/** The TLS settings of one origin, normalised: lists, booleans. */
export interface NormalizedTls {
  ca: Pem[] | undefined;
  cert: Pem | undefined;
  key: Pem | undefined;
  insecure: boolean;
}

/** The options after normalisation: nothing is left undefined except what may stay so. */
export interface NormalizedOptions extends NormalizedTransportOptions {
  userAgent: string;
  maxSockets: number;
  keepAliveTimeout: number;
  /** The TLS settings for an origin (`URL.origin`). */
  tlsFor: (origin: string) => NormalizedTls;
  proxy: ProxySettings;
}

/** Fills in every default and checks ranges once; throws `INVALID_ARGUMENT` on a nonsensical value. */
export function normalizeOptions(
  options: NodeTransportOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): NormalizedOptions {
  const defaults = normalizeTls(options, "the transport");
  const perOrigin = new Map<string, NormalizedTls>();
  for (const [origin, tls] of Object.entries(options.tls ?? {})) {
    let key: string;
    try {
      key = new URL(origin).origin;
    } catch (error) {
      throw new OciError("INVALID_ARGUMENT", `tls: ${JSON.stringify(origin)} is not an origin`, { cause: error });
    }
    perOrigin.set(key, normalizeTls(tls, origin));
  }
  return {
    ...normalizeTransportOptions(options, "toci"),
    userAgent: options.userAgent ?? "toci",
    maxSockets: countOption("maxSockets", options.maxSockets ?? 16, 1),
    keepAliveTimeout: millisecondsOption("keepAliveTimeout", options.keepAliveTimeout ?? 15_000),
    tlsFor: (origin) => perOrigin.get(origin) ?? defaults,
    proxy: proxySettings(options.proxy, env),
  };
}

function normalizeTls(tls: TlsOptions, where: string): NormalizedTls {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new OciError("INVALID_ARGUMENT", `${where}: a client certificate needs both cert and key`);
  }
  return {
    ca:
      tls.ca === undefined ? undefined : typeof tls.ca === "string" || Buffer.isBuffer(tls.ca) ? [tls.ca] : [...tls.ca],
    cert: tls.cert,
    key: tls.key,
    insecure: tls.insecure ?? false,
  };
}
