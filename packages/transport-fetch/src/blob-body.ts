// A response body read whole into a Blob (spec-types' BlobBodyResponse): fetch's own `response.blob()`, so that in a
// browser the bytes go from the network into its blob storage and never into JavaScript (a pull into IndexedDB
// then stores them as they are). Such a read gives no progress on the way, so the idle timeout of a streamed body
// cannot watch it; the caller's `deadline` bounds it instead, and past it the request is aborted (fetch tears the
// connection down) and the read rejects with TIMEOUT.
import { type FailureContext, timeoutError, transportError } from "@toci/spec-types";

/** How one body is read into a Blob: its context for errors, the request's cut, and the caller's deadline (ms). */
export interface BlobRead {
  context: FailureContext;
  cut: AbortController;
  deadline: number | undefined;
}

/** The body of `response` as a Blob (empty without one); errors mapped as a streamed body's are. */
export async function readBlob(response: Response | null, read: BlobRead): Promise<Blob> {
  if (!response?.body) return new Blob([]);
  const { context, cut, deadline } = read;
  const timer =
    deadline === undefined
      ? undefined
      : setTimeout(() => cut.abort(timeoutError(context, "the whole body did not come", deadline)), deadline);
  try {
    return await response.blob();
  } catch (error) {
    // The cut's own TIMEOUT, the caller's abort, or what fetch failed with (NETWORK).
    throw transportError(cut.signal.aborted ? cut.signal.reason : error, context);
  } finally {
    clearTimeout(timer);
  }
}
