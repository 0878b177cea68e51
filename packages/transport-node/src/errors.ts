// Maps whatever node:http, a socket or a stream throws onto the three OciError codes a transport rejects with (the
// Transport contract in @toci/spec-types): NETWORK, TIMEOUT, ABORTED. The original error stays in `cause`.

import { isOciError, OciError } from "@toci/spec-types";

/** Where a failure happened, for the message and the error's fields. */
export interface FailureContext {
  method: string;
  url: string;
  /** The caller's signal: when it has fired, any failure is reported as ABORTED, whatever node:http threw. */
  signal?: AbortSignal | undefined;
}

/** Turns a failure into the OciError the transport reports. An OciError passes through unchanged. */
export function transportError(error: unknown, context: FailureContext): OciError {
  if (isOciError(error)) return error;
  const where = { method: context.method, url: context.url, cause: error };
  if (context.signal?.aborted) return abortError(context, error);
  const name = typeof error === "object" && error !== null ? (error as { name?: unknown }).name : undefined;
  if (name === "AbortError") return abortError(context, error);
  return new OciError("NETWORK", `${context.method} ${context.url}: ${describe(error)}`, where);
}

/** ABORTED, with the signal's reason (or what failed) as the cause. */
export function abortError(context: FailureContext, cause: unknown = context.signal?.reason): OciError {
  return new OciError("ABORTED", `${context.method} ${context.url}: aborted`, {
    method: context.method,
    url: context.url,
    cause,
  });
}

/** TIMEOUT for an attempt whose headers did not come in time, or a body that went idle. */
export function timeoutError(context: FailureContext, what: string, ms: number): OciError {
  return new OciError("TIMEOUT", `${context.method} ${context.url}: ${what} for ${ms} ms`, {
    method: context.method,
    url: context.url,
    detail: { timeout: ms },
  });
}

/** "socket hang up (ECONNRESET)": bring a Node error's code to the message when the message lacks it. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
