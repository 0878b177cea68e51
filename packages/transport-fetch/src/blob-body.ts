// A response body read whole into a Blob (spec-types' BlobBodyResponse): fetch's own `response.blob()`, so that in a
// browser the bytes go from the network into its blob storage and never into JavaScript (a pull into IndexedDB
// then stores them as they are). Such a read gives no progress on the way, so the idle timeout of a streamed body
// cannot watch it; the caller's `deadline` bounds it instead, and past it the request is aborted (fetch tears the
// connection down) and the read rejects with TIMEOUT.
import { type FailureContext, timeoutError, transportError } from "@toci/spec-types";

/** setTimeout's largest delay (a signed 32-bit count of ms): a longer one fires at once in browsers and Node. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How one body is read into a Blob: its context for errors, the request's cut, and the caller's deadline (ms). */
export interface BlobRead {
  context: FailureContext;
  /** Aborts the request's fetch (undefined for a request whose body is not read so: see transport.ts). */
  cut: AbortController | undefined;
  deadline: number | undefined;
}

/** The body of `response` as a Blob (empty without one); errors mapped as a streamed body's are. */
export async function readBlob(response: Response | null, read: BlobRead): Promise<Blob> {
  if (!response?.body) return new Blob([]);
  const { context, cut, deadline } = read;
  // No cut (a method other than GET): no deadline can end the read, only the request's signal.
  const timer =
    cut === undefined || deadline === undefined
      ? undefined
      : setTimeout(
          () => cut.abort(timeoutError(context, "the whole body did not come", deadline)),
          Math.min(deadline, MAX_TIMER_MS),
        );
  try {
    return await response.blob();
  } catch (error) {
    // The cut's own TIMEOUT, the caller's abort, or what fetch failed with (NETWORK).
    throw transportError(cut?.signal.aborted ? cut.signal.reason : error, context);
  } finally {
    clearTimeout(timer);
  }
}
