// The options of each level, every field with its default, normalised once at the entry (docs/architecture.md §4 item 8).
// Timeouts and HTTP retries belong to the Transport (see @toci/transport-fetch's options); the client adds what
// only it can do: resuming a blob download from the bytes the store already holds.
import { DEFAULT_MAX_MANIFEST_BYTES, OciError, type Store, type Transport } from "@toci/spec-types";
import type { Auth } from "./auth.js";
import { type Logger, silentLogger } from "./logger.js";

/** Options shared by the Client (as defaults) and each Registry (to override them). */
export interface TransferOptions {
  /**
   * Blobs transferred at once within one pull or push. Four streams saturate a loopback link for large layers
   * while more help many small ones (docs/architecture.md §6 item 1: 4 for big blobs, 8–16 for many small); 8 is
   * the middle, and the transport's connection pool bounds it too.
   * @default 8
   */
  concurrency?: number;
  /**
   * The largest manifest or index accepted, in bytes. distribution-spec asks clients to support at least 4 MiB.
   * @default 4194304 (4 MiB)
   */
  maxManifestBytes?: number;
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
   * in memory so it can be sent again, and so is capped at 16 MiB (or the registry's minimum).
   * @default 67108864 (64 MiB)
   */
  chunkSize?: number;
  /** Extra headers sent on every registry request (not to token servers). @default {} */
  headers?: Record<string, string>;
}

/** Options of `new Client()`. */
export interface ClientOptions extends TransferOptions {
  /** Sends HTTP requests (e.g. `fetchTransport()` from @toci/transport-fetch). Closed by `client.close()` if it can be. */
  transport: Transport;
  /** Where pulled content is kept and pushed content is read from. Closed by `client.close()` if it can be. */
  store: Store;
  /** Receives every error and some diagnostics. @default a silent logger */
  logger?: Logger;
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
  maxManifestBytes: number;
  blobAttempts: number;
  monolithicMax: number;
  chunkSize: number;
  headers: Record<string, string>;
}

export const DEFAULTS: ResolvedTransferOptions = Object.freeze({
  concurrency: 8,
  maxManifestBytes: DEFAULT_MAX_MANIFEST_BYTES,
  blobAttempts: 5,
  monolithicMax: 64 * 1024 * 1024,
  chunkSize: 64 * 1024 * 1024,
  headers: {},
});

/** Fills in defaults (`base` first, then the library's), refusing values that cannot work. */
export function resolveTransferOptions(
  options: TransferOptions,
  base: ResolvedTransferOptions = DEFAULTS,
): ResolvedTransferOptions {
  const out: ResolvedTransferOptions = {
    concurrency: options.concurrency ?? base.concurrency,
    maxManifestBytes: options.maxManifestBytes ?? base.maxManifestBytes,
    blobAttempts: options.blobAttempts ?? base.blobAttempts,
    monolithicMax: options.monolithicMax ?? base.monolithicMax,
    chunkSize: options.chunkSize ?? base.chunkSize,
    headers: { ...base.headers, ...options.headers },
  };
  for (const key of ["concurrency", "maxManifestBytes", "blobAttempts", "monolithicMax", "chunkSize"] as const) {
    if (!Number.isSafeInteger(out[key]) || out[key] < 1) {
      throw new OciError("INVALID_ARGUMENT", `${key} must be a positive integer, got ${String(out[key])}`);
    }
  }
  return out;
}

/** The logger, or the silent default. */
export function resolveLogger(logger: Logger | undefined): Logger {
  return logger ?? silentLogger;
}
