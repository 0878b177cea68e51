// An API document (JSON, text: a manifest, an error, a token) that an upstream compressed although asked for
// identity is decoded, as fetch would (https://fetch.spec.whatwg.org/#http-network-fetch: gzip, deflate, br); any
// other body passes as it came: a blob's bytes are what its digest is over, and storage that labels a gzip layer
// `Content-Encoding: gzip` sends exactly those bytes (the relay drops the label, so the client gets them as stored).
// For fetches that do not decode themselves: nodeFetch, and `toci relay`'s. (Node only: zlib.)
import { Duplex } from "node:stream";
import zlib from "node:zlib";

/** `body` decoded when it is a compressed API document by `headers`; else `body` itself. */
export function decodeDocument(body: ReadableStream<Uint8Array>, headers: Headers): ReadableStream<Uint8Array> {
  const coding = headers.get("content-encoding")?.trim().toLowerCase();
  if (!coding || !/json|^text\//i.test(headers.get("content-type") ?? "")) return body;
  // Sync flush at the end, as undici does: an empty or truncated body ends the stream instead of failing it.
  const flush = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const decoder =
    coding === "gzip" || coding === "x-gzip"
      ? zlib.createGunzip(flush)
      : coding === "deflate"
        ? zlib.createInflate(flush)
        : coding === "br"
          ? zlib.createBrotliDecompress({
              flush: zlib.constants.BROTLI_OPERATION_FLUSH,
              finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
            })
          : undefined;
  if (!decoder) return body;
  return body.pipeThrough(Duplex.toWeb(decoder) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
}
