// The options of each level, every field with its default, normalised once at the entry (docs/architecture.md §4 item 8).
// Timeouts and HTTP retries belong to the Transport (see @toci/transport-fetch's options); the client adds what
// only it can do: resuming a blob download from the bytes the store already holds.
import { DEFAULT_MAX_MANIFEST_BYTES, OciError, type Store, type Transport } from "@toci/spec-types";
import type { Auth } from "./auth.js";
import { type Logger, silentLogger } from "./logger.js";

/** Options shared by the Client (as defaults) and each Registry (to override them). */
export interface TransferOptions {
  /**
   * Blobs transferred at once within one pull, push or copy. Four streams saturate a loopback link for large layers
   * while more help many small ones (docs/architecture.md §6 item 1); the transport's connection pool bounds it too.
   * Unset, a pull chooses by what it pulls: at most 4 blobs of 16 MiB or more at once, and up to 16 blobs in all.
   * @default 8 for pushes and copies; chosen per blob size for pulls
   */
  concurrency?: number;
  /**
   * The largest manifest or index accepted, in bytes. distribution-spec asks clients to support at least 4 MiB.
   * @default 4194304 (4 MiB)
   */
  maxManifestBytes?: number;
  /**
   * The most manifest bytes one pull, push or copy holds while it walks a graph: the walk keeps every manifest of
   * the graph until everything under it is stored or sent, so an index of 10 000 children each just under
   * `maxManifestBytes` would hold 40 GiB. A child that would pass it is refused before it is read: `TOO_LARGE`.
   * Real graphs hold well under a MiB (a multi-platform image with attestations: tens of KiB); 256 MiB is 64
   * manifests at the 4 MiB cap, and still fits a default Node heap.
   * @default 268435456 (256 MiB)
   */
  maxGraphBytes?: number;
  /**
   * Attempts per blob download. After a cut connection, a 5xx or a 429 (once the transport's own retries are
   * spent) the download resumes with `Range` from the bytes the store already holds.
   * @default 5
   */
  blobAttempts?: number;
  /**
   * Blobs up to this size are pushed in one PUT; larger ones in PATCH chunks, which a cut connection or a restart
   * resumes from the registry's offset instead of from zero. One streamed PUT is the fastest upload (curl -T
   * reached 204 MB/s here against 132 MB/s for 16 MiB PATCHes: docs/architecture.md §6 item 2), so only blobs big enough for
   * resuming to matter are chunked.
   * @default 67108864 (64 MiB)
   */
  monolithicMax?: number;
  /**
   * The size of each PATCH of a chunked upload, raised to the registry's OCI-Chunk-Min-Length and halved on 413
   * (GHCR caps requests at 4 MiB). Bytes, Blobs and store blobs are streamed; a one-shot stream's chunk is held
   * in memory so it can be sent again, and so is capped at 16 MiB (or the registry's minimum). 64 MiB chunks cost
   * distribution no more CPU than one PUT of the whole blob, 16 MiB ones a fifth more (docs/architecture.md §6
   * item 2), and a cut push resumes from the last chunk the registry acknowledged.
   * @default 67108864 (64 MiB)
   */
  chunkSize?: number;
  /** Extra headers sent on every registry request (not to token servers). @default {} */
  headers?: Record<string, string>;
  /**
   * The slowest a response body (a blob, a manifest, a page, a token) may arrive, in bytes per second over each
   * window of `lowSpeedTime` spent waiting for it: below, it is cut with `TIMEOUT`, and a blob download resumes from
   * what it holds (up to `blobAttempts`). A registry that drips a byte every few seconds stays under the transport's
   * idle timeout, so without this rule it could keep a pull going for ever. Only time spent waiting for the registry
   * counts, never time the caller spends not reading. 0 turns the rule off. The same rule as curl's `--speed-limit`.
   * @default 1024 (1 KiB/s: far below any usable link, far above a drip)
   */
  lowSpeedLimit?: number;
  /**
   * The window of `lowSpeedLimit`, in ms: with the defaults, a blob download that drips stops within a minute per
   * attempt, `blobAttempts` × a minute at most, and a manifest or a page within a minute.
   * @default 60000
   */
  lowSpeedTime?: number;
}

/** Options of `new Client()`. */
export interface ClientOptions extends TransferOptions {
  /** Sends HTTP requests (e.g. `fetchTransport()` from @toci/transport-fetch). Closed by `client.close()` if it can be. */
  transport: Transport;
  /** Where pulled content is kept and pushed content is read from. Closed by `client.close()` if it can be. */
  store: Store;
  /** Receives every error and some diagnostics. @default a silent logger */
  logger?: Logger;
  /**
   * How long what the client learnt about a registry (whether it has the referrers API, a cap on request bodies,
   * refused PATCH uploads, multi-tag PUTs) is believed in later runs, in ms, where the store keeps it (an
   * `AbilityKeeper`: the fs layout keeps it in `ingest/abilities/`). Registries change rarely, and a wrong belief
   * costs one failed request and a lesson learnt again; a day bounds how long an upgrade goes unnoticed. 0 neither
   * reads nor keeps anything.
   * @default 86400000 (a day)
   */
  abilitiesMaxAge?: number;
}

/**
 * A mirror of a registry: another registry that serves the same repositories under the same names (a pull-through
 * cache, a copy kept in the building). Only pulls use it; see {@link RegistryOptions.mirrors}.
 */
export interface MirrorOptions {
  /**
   * Where the mirror is: `https://mirror.example`, `mirror.example:5000`, or with a path prefix
   * (`https://cache.example/dockerhub`: the API is then under `/dockerhub/v2/`). Loopback hosts default to plain
   * HTTP, every other host to HTTPS, as for a registry.
   */
  url: string;
  /**
   * How to authenticate to the mirror. A mirror never receives the registry's own credentials: by default it gets
   * the registry's `auth` only when that is a credential provider (which is then asked with the mirror's host, so
   * it answers the mirror's credentials), and is anonymous otherwise.
   * @default the registry's credential provider, else { type: "anonymous" }
   */
  auth?: Auth;
  /** Use plain HTTP to reach the mirror. @default false (loopback: plain HTTP without a scheme in `url`) */
  plainHttp?: boolean;
  /** Send credentials to the mirror over plain HTTP to a host that is not loopback. @default false */
  allowInsecureCredentials?: boolean;
}

/** Options of `client.registry(url, options)`. */
export interface RegistryOptions extends TransferOptions {
  /**
   * How to authenticate: credentials, or a credential provider asked with the registry's `host[:port]` when the
   * registry first asks for credentials (`dockerCredentials()` of `@toci/credentials`).
   * @default { type: "anonymous" }
   */
  auth?: Auth;
  /**
   * Mirrors for pulls, tried in order for each thing a pull reads (the tag, each manifest, each blob) before the
   * registry itself: what a mirror lacks (a not-found answer), or fails to serve (an error, bytes that do not match
   * their digest), comes from the next mirror and at last from the registry. A mirror that failed other than with
   * a not-found answer is not asked again during that pull. Pushes, tags, deletes, listings and every other call
   * go to the registry only. A string is a mirror's URL with the defaults of {@link MirrorOptions}. Repository
   * names are the same on mirrors as on the registry (Docker Hub's `library/` prefix included).
   * @default []
   */
  mirrors?: readonly (string | MirrorOptions)[];
  /**
   * Use plain HTTP. Without a scheme in the URL, loopback hosts (localhost, 127.0.0.0/8, ::1) get http and every
   * other host https; this forces http.
   * @default false
   */
  plainHttp?: boolean;
  /**
   * Send credentials (Basic, or to a token server) over plain HTTP to hosts that are not loopback. Off by default:
   * on an untrusted network they would travel in clear text.
   * @default false
   */
  allowInsecureCredentials?: boolean;
}

/** TransferOptions with every default filled in. */
export interface ResolvedTransferOptions {
  concurrency: number;
  /** Whether `concurrency` was given (by these options or the base): else a pull chooses its own per blob size. */
  concurrencyGiven: boolean;
  maxManifestBytes: number;
  maxGraphBytes: number;
  blobAttempts: number;
  monolithicMax: number;
  chunkSize: number;
  headers: Record<string, string>;
  lowSpeedLimit: number;
  lowSpeedTime: number;
}

export const DEFAULTS: ResolvedTransferOptions = Object.freeze({
  concurrency: 8,
  concurrencyGiven: false,
  maxManifestBytes: DEFAULT_MAX_MANIFEST_BYTES,
  maxGraphBytes: 256 * 1024 * 1024,
  blobAttempts: 5,
  monolithicMax: 64 * 1024 * 1024,
  chunkSize: 64 * 1024 * 1024,
  headers: {},
  lowSpeedLimit: 1024,
  lowSpeedTime: 60_000,
});

/** The smallest value of each numeric option that can work (0 turns the low-speed rule off). */
const MINIMUMS = {
  concurrency: 1,
  maxManifestBytes: 1,
  maxGraphBytes: 1,
  blobAttempts: 1,
  monolithicMax: 1,
  chunkSize: 1,
  lowSpeedLimit: 0,
  lowSpeedTime: 1,
} as const;

/** The default of `abilitiesMaxAge`: a day. */
export const ABILITIES_MAX_AGE = 24 * 60 * 60 * 1000;

/** `abilitiesMaxAge` with its default, refusing a value that cannot be one. */
export function resolveAbilitiesMaxAge(value: number | undefined): number {
  const out = value ?? ABILITIES_MAX_AGE;
  if (!(out >= 0) || Number.isNaN(out)) {
    throw new OciError("INVALID_ARGUMENT", `abilitiesMaxAge must be a number of ms of at least 0, got ${String(out)}`);
  }
  return out;
}

/** Fills in defaults (`base` first, then the library's), refusing values that cannot work. */
export function resolveTransferOptions(
  options: TransferOptions,
  base: ResolvedTransferOptions = DEFAULTS,
): ResolvedTransferOptions {
  const out: ResolvedTransferOptions = {
    concurrency: options.concurrency ?? base.concurrency,
    concurrencyGiven: options.concurrency !== undefined || base.concurrencyGiven,
    maxManifestBytes: options.maxManifestBytes ?? base.maxManifestBytes,
    maxGraphBytes: options.maxGraphBytes ?? base.maxGraphBytes,
    blobAttempts: options.blobAttempts ?? base.blobAttempts,
    monolithicMax: options.monolithicMax ?? base.monolithicMax,
    chunkSize: options.chunkSize ?? base.chunkSize,
    headers: { ...base.headers, ...options.headers },
    lowSpeedLimit: options.lowSpeedLimit ?? base.lowSpeedLimit,
    lowSpeedTime: options.lowSpeedTime ?? base.lowSpeedTime,
  };
  for (const [key, min] of Object.entries(MINIMUMS) as [keyof typeof MINIMUMS, number][]) {
    if (!Number.isSafeInteger(out[key]) || out[key] < min) {
      throw new OciError("INVALID_ARGUMENT", `${key} must be an integer of at least ${min}, got ${String(out[key])}`);
    }
  }
  return out;
}

/** The logger, or the silent default. */
export function resolveLogger(logger: Logger | undefined): Logger {
  return logger ?? silentLogger;
}
