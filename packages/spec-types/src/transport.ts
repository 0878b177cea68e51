// The Transport contract (docs/architecture.md §2): one HTTP exchange, streaming both ways. A transport owns connection
// reuse, timeouts and the retry of idempotent requests; it knows nothing of OCI, auth or scopes, and it never
// carries an Authorization header across origins on a redirect.

import type { LowSpeedRule } from "./low-speed.js";

/** HTTP methods the OCI distribution protocol uses. */
export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * A request body. Bytes, strings and Blobs can be re-sent, so a request carrying them may be retried; a stream
 * can be read once, so a request with a stream body is never retried by the transport.
 */
export type TransportBody = Uint8Array | ArrayBuffer | Blob | string | ReadableStream<Uint8Array>;

/** One HTTP request. */
export interface TransportRequest {
  method: HttpMethod;
  /** An absolute http: or https: URL. */
  url: string;
  /** Request headers; names are case-insensitive. */
  headers?: Record<string, string>;
  /** The body, for POST, PUT and PATCH. */
  body?: TransportBody | null;
  /** Cancels the request, including a response body still being read. */
  signal?: AbortSignal;
  /**
   * Whether a redirect may be followed. A transport follows redirects by default, dropping `Authorization`
   * whenever the target's origin (scheme, host or port) differs from the request's.
   * @default true
   */
  followRedirects?: boolean;
  /**
   * The slowest the response body may arrive, for a transport that applies the rule itself (`appliesLowSpeed`,
   * low-speed.ts): its body then errors with `TIMEOUT` once a window of waiting brings too little. Other
   * transports ignore it. Unset: no such rule.
   */
  lowSpeed?: LowSpeedRule;
}

/** One HTTP response. The body must be consumed or cancelled, or the connection is not reused. */
export interface TransportResponse {
  status: number;
  headers: Headers;
  /** The body; null for HEAD, 204 and 304. */
  body: ReadableStream<Uint8Array> | null;
  /** The URL that answered, after redirects. */
  url: string;
}

/**
 * A response whose whole body can be read without a stream (an optional ability: a transport that has one need not
 * build a stream for a small body read whole, a manifest, a tag list, a token). Read it through spec-types'
 * `readResponse`, which falls back to the stream.
 */
export interface WholeBodyResponse extends TransportResponse {
  /**
   * The whole body, or undefined when it holds more than `maxBytes` (the rest is then dropped, as a cancel does).
   * Rejects as a read of the stream would (NETWORK, TIMEOUT, ABORTED). Used instead of `body`, never with it.
   */
  bytes(maxBytes: number): Promise<Uint8Array | undefined>;
}

/** Whether a response's body can be read whole without its stream. */
export function isWholeBodyResponse(response: TransportResponse): response is WholeBodyResponse {
  return typeof (response as Partial<WholeBodyResponse>).bytes === "function";
}

/** Options for {@link BlobBodyResponse.blob}. */
export interface BlobReadOptions {
  /**
   * Milliseconds the whole body may take; past them the read is cut (its connection torn down) and rejects with
   * TIMEOUT. A Blob's read gives no progress to judge on the way, so this is the caller's bound on a slow body.
   * @default none: only the request's signal ends it
   */
  deadline?: number;
}

/**
 * A response whose body can be read whole into a Blob that the runtime keeps (an optional ability: in a browser the
 * bytes go from the network to its blob storage and never into JavaScript; a store that keeps Blobs, IndexedDB's,
 * then stores them as they are). Used instead of `body`, never with it.
 */
export interface BlobBodyResponse extends TransportResponse {
  /** The whole body (an empty Blob when there is none). Rejects as a read of the stream would (NETWORK, TIMEOUT, ABORTED). */
  blob(options?: BlobReadOptions): Promise<Blob>;
}

/** Whether a response's body can be read whole into a Blob. */
export function isBlobBodyResponse(response: TransportResponse): response is BlobBodyResponse {
  return typeof (response as Partial<BlobBodyResponse>).blob === "function";
}

/**
 * Sends HTTP requests. Failures to exchange (refused, reset, DNS, TLS, timeouts, abort) reject with an OciError
 * (`NETWORK`, `TIMEOUT`, `ABORTED`); any HTTP status, 4xx and 5xx included, resolves as a response once retries
 * are exhausted.
 */
export interface Transport {
  request(request: TransportRequest): Promise<TransportResponse>;
}

/** A transport that holds resources (sockets, agents) and can release them. */
export interface ClosableTransport extends Transport {
  close(): Promise<void>;
}

/** Whether a transport can be closed. */
export function isClosableTransport(transport: Transport): transport is ClosableTransport {
  return typeof (transport as Partial<ClosableTransport>).close === "function";
}
