// Maps whatever fetch, ky or a stream throws onto the three OciError codes a transport rejects with (the
// Transport contract in @toci/spec-types): NETWORK, TIMEOUT, ABORTED. The original error stays in `cause`.

import { isOciError, OciError } from "@toci/spec-types";

/** Where a failure happened, for the message and the error's fields. */
export interface FailureContext {
  method: string;
  url: string;
  /** The caller's signal: when it has fired, any failure is reported as ABORTED, whatever fetch threw. */
  signal?: AbortSignal | undefined;
}

/** Turns a failure into the OciError the transport reports. An OciError passes through unchanged. */
export function transportError(error: unknown, context: FailureContext): OciError {
  if (isOciError(error)) return error;
  const where = { method: context.method, url: context.url, cause: error };
  if (context.signal?.aborted) {
    return new OciError("ABORTED", `${context.method} ${context.url}: aborted`, where);
  }
  const name = typeof error === "object" && error !== null ? (error as { name?: unknown }).name : undefined;
  if (name === "AbortError") return new OciError("ABORTED", `${context.method} ${context.url}: aborted`, where);
  if (name === "TimeoutError") return new OciError("TIMEOUT", `${context.method} ${context.url}: timed out`, where);
  return new OciError("NETWORK", `${context.method} ${context.url}: ${describe(error)}`, where);
}

/** "fetch failed (ECONNREFUSED)": undici hides the reason in `cause`; bring its code to the message. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : "";
  return detail && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message;
}
