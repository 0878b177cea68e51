// Maps whatever an HTTP stack, a socket or a stream throws onto the three OciError codes a transport rejects with
// (the Transport contract, transport.ts): NETWORK, TIMEOUT, ABORTED. The original error stays in `cause`. Shared by
// the transports, like retry-policy.ts.

import { isOciError, OciError } from "./errors.js";
import { redactUrl, redactUrls } from "./redact.js";

/** Where a failure happened, for the message and the error's fields (the URL redacted there: redact.ts). */
export interface FailureContext {
  method: string;
  url: string;
  /** The caller's signal: when it has fired, any failure is reported as ABORTED, whatever the stack threw. */
  signal?: AbortSignal | undefined;
}

/**
 * Turns a failure into the OciError a transport reports: an OciError passes through unchanged; anything once the
 * caller's signal fired, or named `AbortError`, is ABORTED; `TimeoutError` is TIMEOUT; the rest is NETWORK, its
 * message with the Node error code (`ECONNRESET`) or the cause's (undici hides the reason in `cause`).
 */
export function transportError(error: unknown, context: FailureContext): OciError {
  if (isOciError(error)) return error;
  if (context.signal?.aborted) return abortError(context, error);
  const name = typeof error === "object" && error !== null ? (error as { name?: unknown }).name : undefined;
  if (name === "AbortError") return abortError(context, error);
  const url = redactUrl(context.url);
  const where = { method: context.method, url, cause: error };
  if (name === "TimeoutError") return new OciError("TIMEOUT", `${context.method} ${url}: timed out`, where);
  return new OciError("NETWORK", `${context.method} ${url}: ${describe(error)}`, where);
}

/** ABORTED, with the signal's reason (or what failed) as the cause. */
export function abortError(context: FailureContext, cause: unknown = context.signal?.reason): OciError {
  const url = redactUrl(context.url);
  return new OciError("ABORTED", `${context.method} ${url}: aborted`, {
    method: context.method,
    url,
    cause,
  });
}

/** TIMEOUT for an attempt whose headers did not come in time (`what`), or a body that went idle. */
export function timeoutError(context: FailureContext, what: string, ms: number): OciError {
  const url = redactUrl(context.url);
  return new OciError("TIMEOUT", `${context.method} ${url}: ${what} for ${ms} ms`, {
    method: context.method,
    url,
    detail: { timeout: ms },
  });
}

/** "socket hang up (ECONNRESET)", "fetch failed (ECONNREFUSED)": a code the message lacks, from the error or its cause. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail =
    typeof code === "string"
      ? code
      : typeof cause?.code === "string"
        ? cause.code
        : typeof cause?.message === "string"
          ? cause.message
          : "";
  // A stack's message may quote the URL it failed on (undici does): redacted like ours.
  return redactUrls(detail && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message);
}
