// fetchTransport: the Transport contract (@toci/spec-types) over fetch, for Node and browsers.
//
// One request goes through three layers:
// 1. `send`: checks the request, then the redirect loop (outside browsers; see redirect.ts), one hop per URL;
// 2. `sendHop`: the retry loop of one hop; the policy (which failure is retried, how long to wait, `Retry-After`)
//    is spec-types' retry-policy.ts, as in every transport;
// 3. `attempt`: one call of fetch with the caller's body, under the per-attempt timeout (and, in Node, HEAD
//    connections kept open: keep-alive-head.ts).
//
// The body is handed to fetch as it is on each attempt, never wrapped in a `Request`: a `Request` must be cloned
// to be sent again, and cloning one whose body is a stream or a Blob tees it, the unread branch buffering every
// byte sent (a 1 GiB upload would sit in memory). Bytes and Blobs can be sent again; a stream is sent once and
// never retried, with `duplex: "half"`. The response is returned as fetch gave it, never cloned.

import {
  type BlobBodyResponse,
  checkRequest,
  type FailureContext,
  type Hop,
  type HttpMethod,
  isRedirect,
  isReplayable,
  isRetryable,
  nextHop,
  retryLoop,
  type Transport,
  type TransportRequest,
  type TransportResponse,
  timeoutError,
  transportError,
  warningReporter,
} from "@toci/spec-types";
import { keepAliveHeadDispatcher } from "#keep-alive-head";
import { readBlob } from "./blob-body.js";
import { type FetchTransportOptions, type NormalizedOptions, normalizeOptions } from "./options.js";
import { discardBody, wrapBody } from "./response-body.js";
import { uploadBody } from "./upload-body.js";

/**
 * A Transport over `fetch`: streaming both ways, retries of idempotent requests with replayable bodies,
 * `Retry-After`, per-attempt and idle-body timeouts, abort, redirects that never carry `Authorization` to
 * another origin, and `Warning` headers reported once each.
 *
 * @example
 * const transport = fetchTransport({ retry: { limit: 3 }, onWarning: ({ text }) => console.warn(text) });
 * const res = await transport.request({ method: "GET", url: "https://registry.example/v2/" });
 */
export function fetchTransport(options?: FetchTransportOptions): Transport {
  const normalized = normalizeOptions(options);
  const report = warningReporter(normalized.onWarning);
  return {
    request: (request) => send(normalized, report, request),
  };
}

async function send(
  options: NormalizedOptions,
  report: (warning: string | null, url: string) => void,
  request: TransportRequest,
): Promise<TransportResponse> {
  // Checked here, not left to fetch: its TypeError would look like a network error, and be retried.
  const { method, url, headers } = checkRequest(request, (init) => new Headers(init));
  const given = request.signal;
  if (given?.aborted) throw transportError(given.reason, { method, url: url.href, signal: given });
  const body = await uploadBody(request.body ?? null, options.streamUploads, { method, url: url.href, signal: given });
  // What cuts a body read whole into a Blob past its deadline (blob-body.ts): fetch ends a body only by its signal.
  // Only for GET, whose bodies are the ones read so (blobs): no second signal joined to the caller's on the others.
  const cut = method === "GET" ? new AbortController() : undefined;
  const signal = cut ? (given ? AbortSignal.any([given, cut.signal]) : cut.signal) : given;

  if (options.userAgent !== undefined && !headers.has("user-agent")) headers.set("user-agent", options.userAgent);
  const follow = request.followRedirects !== false;
  // In "follow" mode (browsers) fetch follows; asked not to, the browser can only give an opaque redirect.
  const fetchRedirect: RequestRedirect = options.redirectMode === "follow" && follow ? "follow" : "manual";
  const followHere = options.redirectMode === "manual" && follow;

  let hop: Hop = { url, method, headers, keepBody: true };
  for (let redirects = 0; ; redirects++) {
    const response = await sendHop(options, hop, { body: hop.keepBody ? body : null, signal, redirect: fetchRedirect });
    report(response.headers.get("warning"), response.url);
    if (followHere && isRedirect(response.status) && redirects < options.maxRedirects) {
      const next = nextHop(hop, response.status, response.headers.get("location"), {
        allowInsecureRedirects: options.allowInsecureRedirects,
        replayableBody: isReplayable(body),
        hasBody: body !== null,
        copyHeaders: (h) => new Headers(h),
      });
      if (typeof next !== "string") {
        await discardBody(response.body);
        hop = next;
        continue;
      }
    }
    return toTransportResponse(response, { hop, options, signal, cut });
  }
}

/** What one attempt sends besides the hop: the caller's body, signal and the redirect mode fetch is given. */
interface AttemptInit {
  body: TransportRequest["body"];
  signal: AbortSignal | undefined;
  redirect: RequestRedirect;
}

/** One hop: the retry loop around `attempt`; resolves with the last response, whatever its status. */
function sendHop(options: NormalizedOptions, hop: Hop, init: AttemptInit): Promise<Response> {
  const context: FailureContext = { method: hop.method, url: hop.url.href, signal: init.signal };
  return retryLoop({
    retry: options.retry,
    retryable: isRetryable(hop.method as HttpMethod, init.body, options.retry),
    context,
    attempt: () => attempt(options, hop, init, context),
    // Read or cancel the failed response before waiting, so its connection goes back to the pool.
    discard: (response) => discardBody(response.body),
  });
}

/**
 * One attempt: the caller's body handed to fetch as it is, under the per-attempt timeout, which runs until the
 * response headers arrive and rejects at once when it fires, even if a custom fetch ignores its signal.
 */
function attempt(options: NormalizedOptions, hop: Hop, init: AttemptInit, context: FailureContext): Promise<Response> {
  const { body, redirect } = init;
  const timeout = options.timeout > 0 ? new AbortController() : undefined;
  const request: RequestInit & { duplex?: "half"; dispatcher?: unknown } = {
    method: hop.method,
    headers: hop.headers,
    signal: timeout && init.signal ? AbortSignal.any([init.signal, timeout.signal]) : (timeout?.signal ?? init.signal),
    redirect,
  };
  if (body !== null && body !== undefined) {
    request.body = body as BodyInit;
    // Required by fetch for a stream body (and harmless without one); lib.dom's RequestInit lacks it.
    if (body instanceof ReadableStream) request.duplex = "half";
  }
  if (hop.method === "HEAD" && options.keepAliveHead) {
    const dispatcher = keepAliveHeadDispatcher();
    if (dispatcher) request.dispatcher = dispatcher;
  }
  const sent = options.fetch(hop.url.href, request);
  if (!timeout) return sent;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const expired = timeoutError(context, "no response headers", options.timeout);
      timeout.abort(expired);
      reject(expired);
    }, options.timeout);
    sent
      .then((response) => {
        // Too late: a custom fetch that ignored the signal answered after all; its connection is let go.
        if (timeout.signal.aborted) void response.body?.cancel().catch(() => {});
        resolve(response);
      }, reject)
      .finally(() => clearTimeout(timer));
  });
}

/** What a response is built with: its hop, the transport's options, the request's signal and its cut. */
interface ResponseContext {
  hop: Hop;
  options: NormalizedOptions;
  signal: AbortSignal | undefined;
  /** Only for GET: see send(). */
  cut: AbortController | undefined;
}

/**
 * The caller's response: its body wrapped (response-body.ts) when first read, so that a caller reading it whole into
 * a Blob instead (blob-body.ts) gets fetch's own body, unread.
 */
function toTransportResponse(response: Response, ctx: ResponseContext): BlobBodyResponse {
  const { hop, options, signal } = ctx;
  const noBody = hop.method === "HEAD" || response.status === 204 || response.status === 304;
  if (noBody && response.body) void response.body.cancel().catch(() => {});
  const url = response.url || hop.url.href;
  const context = { method: hop.method, url, signal };
  let body: ReadableStream<Uint8Array> | null | undefined;
  return {
    status: response.status,
    headers: response.headers,
    get body() {
      body ??= noBody || !response.body ? null : wrapBody(response.body, { idleTimeout: options.idleTimeout, context });
      return body;
    },
    blob: (read) => readBlob(noBody ? null : response, { context, cut: ctx.cut, deadline: read?.deadline }),
    url,
  };
}
