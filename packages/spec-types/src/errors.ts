// One error type for everything toci reports, with a closed set of codes that callers switch on instead of
// parsing messages (docs/architecture.md §4 item 6). Identity survives duplicate package copies and realms through a
// Symbol.for marker, since two versions of @toci/spec-types will end up in some user's tree (principle 7).

/** The 14 error codes of distribution-spec v1.1.1 ("Error Codes"), as registries send them. */
export const REGISTRY_ERROR_CODES = [
  "BLOB_UNKNOWN",
  "BLOB_UPLOAD_INVALID",
  "BLOB_UPLOAD_UNKNOWN",
  "DIGEST_INVALID",
  "MANIFEST_BLOB_UNKNOWN",
  "MANIFEST_INVALID",
  "MANIFEST_UNKNOWN",
  "NAME_INVALID",
  "NAME_UNKNOWN",
  "SIZE_INVALID",
  "UNAUTHORIZED",
  "DENIED",
  "UNSUPPORTED",
  "TOOMANYREQUESTS",
] as const;

/** Codes toci adds for failures that are not a registry's answer. */
export const CLIENT_ERROR_CODES = [
  /** Content did not hash to the digest it was asked for. Nothing was stored. */
  "DIGEST_MISMATCH",
  /** Content was longer or shorter than the descriptor's size. Nothing was stored. */
  "SIZE_MISMATCH",
  /** A reference (`registry/repo:tag@digest`) that does not parse. */
  "REFERENCE_INVALID",
  /** A caller passed something unusable (an option out of range, a descriptor without a digest, ...). */
  "INVALID_ARGUMENT",
  /** Something looked up locally (a root in a store, a blob) does not exist. */
  "NOT_FOUND",
  /**
   * Content larger than a configured cap (a token response, a docker config file, a blob read whole, ...). A manifest
   * over `maxManifestBytes` is `MANIFEST_INVALID` instead, the spec's code for it, with `detail.limit`.
   */
  "TOO_LARGE",
  /** The connection failed: refused, reset, DNS, TLS. Usually worth retrying. */
  "NETWORK",
  /** A request or an idle body took longer than its timeout. */
  "TIMEOUT",
  /** The caller's AbortSignal fired. */
  "ABORTED",
  /** The store failed: disk full, I/O error, quota exceeded, a corrupt layout. */
  "STORE",
  /** The registry answered something that breaks the protocol (a bad header, a body that does not parse). */
  "PROTOCOL",
  /** The registry answered 5xx: it is down or overloaded. */
  "UNAVAILABLE",
  /** The registry answered an HTTP status that no other code describes. */
  "HTTP",
  /** The client or store was closed before or during the operation. */
  "CLOSED",
] as const;

/** Every code an {@link OciError} can carry. The set is closed: a registry's unknown code maps to one of these. */
export type OciErrorCode = (typeof REGISTRY_ERROR_CODES)[number] | (typeof CLIENT_ERROR_CODES)[number];

/** One entry of a registry's error body: `{"errors":[{"code","message","detail"}]}` (distribution-spec). */
export interface RegistryErrorEntry {
  /** The registry's code, kept verbatim even when it is not one of the 14 of the spec. */
  code: string;
  /** The registry's message; some registries omit it. */
  message?: string;
  /** Free-form detail, as the registry sent it. */
  detail?: unknown;
}

/** Everything an {@link OciError} can carry besides its code and message. */
export interface OciErrorOptions {
  /** The HTTP status, when the error is a registry's answer. */
  status?: number;
  /** The registry's error entries, when it sent a JSON error body. */
  errors?: readonly RegistryErrorEntry[];
  /** The HTTP method and URL of the failed request (credentials are never part of a URL toci builds). */
  method?: string;
  url?: string;
  /** What caused this error (an I/O error, a TypeError from fetch, ...). */
  cause?: unknown;
  /** Structured context: the digest and size that mismatched, the limit that was exceeded, ... */
  detail?: Readonly<Record<string, unknown>>;
}

const MARKER = Symbol.for("@toci/spec-types/OciError");
const TEMPORARY: ReadonlySet<OciErrorCode> = new Set<OciErrorCode>([
  "NETWORK",
  "TIMEOUT",
  "TOOMANYREQUESTS",
  "UNAVAILABLE",
]);

/** The one error type of toci. Network, protocol and store failures carry one; parsers throw one. */
export class OciError extends Error {
  /** What went wrong, from a closed set. */
  readonly code: OciErrorCode;
  /** The HTTP status, when the error is a registry's answer. */
  readonly status: number | undefined;
  /** The registry's error entries (empty when it sent none). */
  readonly errors: readonly RegistryErrorEntry[];
  /** The method of the failed request, when there was one. */
  readonly method: string | undefined;
  /** The URL of the failed request, when there was one. */
  readonly url: string | undefined;
  /** Structured context (digests, sizes, limits). */
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(code: OciErrorCode, message: string, options: OciErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OciError";
    this.code = code;
    this.status = options.status;
    this.errors = options.errors ?? [];
    this.method = options.method;
    this.url = options.url;
    this.detail = options.detail;
    Object.defineProperty(this, MARKER, { value: true });
  }

  /** Whether retrying the same operation later may succeed (network trouble, rate limits, 5xx). */
  get temporary(): boolean {
    return TEMPORARY.has(this.code);
  }

  /** A plain-object view for logs and `--json` output. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.errors.length ? { errors: this.errors } : {}),
      ...(this.method === undefined ? {} : { method: this.method }),
      ...(this.url === undefined ? {} : { url: this.url }),
      ...(this.detail === undefined ? {} : { detail: this.detail }),
    };
  }
}

/** Whether `value` is an {@link OciError}, also one made by another copy of this package or in another realm. */
export function isOciError(value: unknown): value is OciError {
  return (
    typeof value === "object" &&
    value !== null &&
    ((value as Record<symbol, unknown>)[MARKER] === true || value instanceof OciError)
  );
}

/** Whether `code` is one of the closed set of {@link OciErrorCode}s. */
export function isOciErrorCode(code: unknown): code is OciErrorCode {
  // Looked up in the two lists, not a module-level Set of both: spreading them at load would keep both lists in
  // every bundle that imports OciError (a store's worker among them), used or not.
  return (
    typeof code === "string" &&
    ((REGISTRY_ERROR_CODES as readonly string[]).includes(code) ||
      (CLIENT_ERROR_CODES as readonly string[]).includes(code))
  );
}

/**
 * Wraps anything thrown into an {@link OciError}: an OciError passes through unchanged, an AbortError becomes
 * `ABORTED`, a TimeoutError `TIMEOUT`, and anything else the given fallback code (`cause` keeps the original).
 */
export function toOciError(error: unknown, fallback: OciErrorCode, message?: string): OciError {
  if (isOciError(error)) return error;
  const name = typeof error === "object" && error !== null ? (error as { name?: unknown }).name : undefined;
  const text = error instanceof Error ? error.message : safeString(error);
  if (name === "AbortError") return new OciError("ABORTED", message ?? "the operation was aborted", { cause: error });
  if (name === "TimeoutError") return new OciError("TIMEOUT", message ?? "the operation timed out", { cause: error });
  return new OciError(fallback, message ? `${message}: ${text}` : text, { cause: error });
}

/** String(value), for values that may be hostile (String() throws on `{ toString: 0 }`). */
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `(${typeof value})`;
  }
}
