// A request body as fetch is given it. Browsers send a `ReadableStream` body only over HTTP/2 or later (Chromium
// fails one over HTTP/1.1 with ERR_ALPN_NEGOTIATION_FAILED, before a byte is sent; Firefox and Safari take none:
// https://developer.chrome.com/docs/capabilities/web-apis/fetch-streaming-requests#restrictions), and most
// registries a page reaches, local ones and `toci relay` above all, speak HTTP/1.1. So where uploads do not stream
// (`streamUploads: false`, a browser's default), a stream body is read into a Blob first: one per request, at most
// what the client puts in one (a monolithic blob up to its `monolithicMax`, or one chunk), times the uploads under
// way. Chromium keeps a large Blob on disk rather than in the page's memory (other browsers may not), and a Blob can
// be sent again: the request becomes retryable. Reading it has no deadline of its own: the source is the caller's
// (a store), not the network.
import { transportError } from "@toci/spec-types";

/** The body to hand fetch: `body` itself, or a stream body read into a Blob when uploads do not stream. */
export async function uploadBody<T>(
  body: T | ReadableStream<Uint8Array>,
  streamUploads: boolean,
  context: { method: string; url: string; signal?: AbortSignal },
): Promise<T | ReadableStream<Uint8Array> | Blob> {
  if (streamUploads || !(body instanceof ReadableStream)) return body;
  const { signal } = context;
  const reader = body.getReader();
  const parts: Blob[] = [];
  const stop = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", stop, { once: true });
  try {
    // Each chunk copied now (a Blob of it): a source may reuse its buffer once the read is answered.
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      parts.push(new Blob([r.value as Uint8Array<ArrayBuffer>]));
    }
  } catch (error) {
    // The caller's stream failed (a store's read): its own error, unless the caller aborted.
    if (!signal?.aborted) throw error;
  } finally {
    signal?.removeEventListener("abort", stop);
  }
  if (signal?.aborted) throw transportError(signal.reason, context);
  return new Blob(parts);
}
