// How the command fails: a usage error (exit 2: an unknown flag, a reference that does not parse), or an OciError
// (exit 1) printed as one line `error: CODE: message` with a hint that says what to do next.
import { isOciError, type OciError, type OciErrorCode } from "@toci/spec-types";

/** Exit codes: 0 success, 1 failure, 2 usage (an invalid reference included), 130 interrupted (Ctrl-C). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A mistake in how the command was called: exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** What to do next, per error code. */
const HINTS: Partial<Record<OciErrorCode, string>> = {
  UNAUTHORIZED: "run `toci login <registry>` (or pass -u/--username with -p/--password or --password-stdin)",
  DENIED: "the registry refused these credentials for this repository; check them with `toci login <registry>`",
  MANIFEST_UNKNOWN: "no such tag; `toci tags <repo>` lists them",
  NAME_UNKNOWN: "no such repository; `toci catalog <registry>` lists them",
  BLOB_UNKNOWN: "no such blob in this repository; `toci manifest <ref>` lists the blobs of an image",
  TOOMANYREQUESTS: "the registry is rate-limiting; wait a while and run the command again",
  UNAVAILABLE: "the registry is down or overloaded; run the command again later",
  TIMEOUT: "the registry did not answer in time; run the command again (transfers resume)",
  ABORTED: "interrupted; run the same command again to resume (partial downloads are kept)",
  UNSUPPORTED: "this registry does not support the operation",
  STORE: "the local layout could not be read or written; check the --store directory and free disk space",
  DIGEST_MISMATCH: "the content did not match its digest and was not kept; run the command again",
  SIZE_MISMATCH: "the content did not match its size and was not kept; run the command again",
};

/** What a hint may depend on besides the error: the command that failed. */
export interface HintContext {
  /** The command's name (`login`, `pull`, …). */
  command?: string;
}

/** The hint for an error: its code's, or a more specific one the error's details and the command call for. */
export function hintFor(error: OciError, context: HintContext = {}): string | undefined {
  if (error.code === "NETWORK") return networkHint(error);
  if (context.command === "login" && (error.code === "UNAUTHORIZED" || error.code === "DENIED")) {
    // Not "run toci login": this is it. Nothing was stored.
    return "the registry refused this user name and password (or token); check them and try again (nothing was stored)";
  }
  if (error.code === "HTTP" && /HTTP request to an HTTPS server/i.test(error.message)) {
    return "the registry speaks HTTPS: name it https://host:port, or pass --ca-file FILE (or --insecure)";
  }
  if (error.code === "NOT_FOUND" && Array.isArray(error.detail?.["available"])) {
    return `available platforms: ${(error.detail["available"] as string[]).join(", ")}`;
  }
  return HINTS[error.code];
}

/**
 * A network failure's hint, from its cause and the URL it failed on: --plain-http is suggested only when the request
 * went over HTTPS (over plain HTTP already, it would change nothing).
 */
function networkHint(error: OciError): string {
  const text = `${error.message} ${causeText(error)}`;
  const url = parseUrl(error.url);
  const overTls = url?.protocol !== "http:";
  // Before the certificate check: OpenSSL says "SSL routines" when the other end answered in plain HTTP too.
  if (overTls && /wrong version number|WRONG_VERSION_NUMBER|EPROTO|packet length/i.test(text)) {
    return "the registry may speak plain HTTP: add --plain-http";
  }
  // TLS alerts 42 (bad_certificate) and 116 (certificate_required): the registry refused our client certificate.
  if (/ALERT_BAD_CERTIFICATE|ALERT_CERTIFICATE_REQUIRED|alert (bad certificate|certificate required)/i.test(text)) {
    return 'the registry asks for a client certificate: give its "cert" and "key" in the toci configuration file';
  }
  if (/certificate|self[- ]signed|SSL|TLS|UNABLE_TO_VERIFY|CERT_/i.test(text)) {
    return 'the registry\'s TLS certificate is not trusted: pass --ca-file FILE, or give its "ca" in the toci configuration file (or --insecure to skip verification)';
  }
  // A server that could not listen (`toci relay --listen`): about this machine, not a registry.
  if (/EADDRINUSE/.test(text)) return "that port is in use: choose another --listen port (0 picks a free one)";
  if (/EADDRNOTAVAIL/.test(text)) return "this machine has no such address: --listen takes one of its own";
  const where = url ? url.host : "the registry";
  const plainHint = overTls ? " (a registry that speaks plain HTTP needs --plain-http)" : "";
  if (/ECONNREFUSED/.test(text)) {
    return `nothing accepts connections at ${where}: is the registry running, and are the host and port right?${plainHint}`;
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) {
    return `${url ? url.hostname : "the registry's host"} could not be resolved: check the registry's name (and the DNS)`;
  }
  return `is the registry running and reachable at ${where}?${plainHint}`;
}

function parseUrl(url: string | undefined): URL | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** The messages of an error's causes, for matching TLS failures hidden under fetch's "fetch failed". */
export function causeText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = (error as { cause?: unknown })?.cause;
  for (let i = 0; current && i < 5; i++) {
    const e = current as { message?: unknown; code?: unknown; cause?: unknown };
    parts.push(`${String(e.code ?? "")} ${String(e.message ?? "")}`.trim());
    current = e.cause;
  }
  return parts.join(": ");
}

/** An error as the --json document prints it. */
export function errorJson(error: unknown, context: HintContext = {}): Record<string, unknown> {
  if (isOciError(error)) {
    const hint = hintFor(error, context);
    return { ...error.toJSON(), ...(hint ? { hint } : {}) };
  }
  if (error instanceof UsageError) return { name: "UsageError", code: "USAGE", message: error.message };
  return { name: "Error", code: "INTERNAL", message: error instanceof Error ? error.message : String(error) };
}
