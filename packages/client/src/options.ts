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

/** Options of `client.registry(url, options)`. */
export interface RegistryOptions extends TransferOptions {
  /** How to authenticate. @default { type: "anonymous" } */
  auth?: Auth;
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
  blobAttempts: number;
  monolithicMax: number;
  chunkSize: number;
  headers: Record<string, string>;
}

export const DEFAULTS: ResolvedTransferOptions = Object.freeze({
  concurrency: 8,
  concurrencyGiven: false,
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
    concurrencyGiven: options.concurrency !== undefined || base.concurrencyGiven,
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
