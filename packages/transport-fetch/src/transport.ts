// fetchTransport: the Transport contract (@toci/spec-types) over fetch, for Node and browsers.
//
// One request goes through three layers:
// 1. `send`: checks the request, then the redirect loop (outside browsers; see redirect.ts), one hop per URL;
// 2. `sendHop`: one hop through ky, which runs the retry loop and the per-attempt timeout; the policy (which
//    failure is retried, how long to wait, `Retry-After`) is spec-types' retry-policy.ts, plugged into ky's `shouldRetry`;
// 3. the `fetch` ky calls: ours, which sends the caller's body itself (and keeps HEAD connections open in Node,
//    see keep-alive-head.ts).
//
// Why ky does not see the body: ky builds a `Request` from its input and *clones* it before every attempt so
// that it could retry. Cloning a request whose body is a stream or a Blob tees it, and the unread branch buffers
// every byte that is sent — a 1 GiB upload would sit in memory. So ky's `Request` carries no body; our fetch
// passes the caller's body to the real fetch on each attempt (bytes and Blobs can be sent again; a stream is
// sent once and never retried), with `duplex: "half"` for streams. ky also gets no `afterResponse` hook: with one,
// it clones (tees) every response.

import {
  checkRequest,
  decideRetry,
  type Hop,
  type HttpMethod,
  isRedirect,
  isReplayable,
  isRetryable,
  nextHop,
  OciError,
  type Transport,
  type TransportRequest,
  type TransportResponse,
  transportError,
  warningReporter,
} from "@toci/spec-types";
import ky, { isHTTPError } from "ky";
import { keepAliveHeadDispatcher } from "./keep-alive-head.js";
import { type FetchTransportOptions, type NormalizedOptions, normalizeOptions } from "./options.js";
import { discardBody, wrapBody } from "./response-body.js";

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
  const body = request.body ?? null;
  const { signal } = request;
  if (signal?.aborted) throw transportError(signal.reason, { method, url: url.href, signal });

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
    return toTransportResponse(response, hop, options, signal);
  }
}

/** One hop: ky's retry loop and timeout around our fetch; resolves with the last response, whatever its status. */
async function sendHop(
  options: NormalizedOptions,
  hop: Hop,
  {
    body,
    signal,
    redirect,
  }: { body: TransportRequest["body"]; signal: AbortSignal | undefined; redirect: RequestRedirect },
): Promise<Response> {
  const { retry } = options;
  const retryable = isRetryable(hop.method as HttpMethod, body, retry);
  let nextDelay = 0;
  try {
    return await ky(hop.url, {
      method: hop.method,
      headers: hop.headers,
      signal,
      redirect,
      timeout: options.timeout === 0 ? false : options.timeout,
      // Only a status that is retried throws (as ky's HTTPError): ky's retry loop only sees thrown errors. The
      // last one is caught below and its response returned; any other status resolves at once.
      throwHttpErrors: retryable ? (status) => retry.statusCodes.includes(status) : false,
      retry: retryable
        ? {
            limit: retry.limit,
            methods: [hop.method.toLowerCase()],
            statusCodes: [...retry.statusCodes],
            afterStatusCodes: [],
            backoffLimit: Number.POSITIVE_INFINITY,
            // ky asks for the delay after shouldRetry said yes; retry.ts has computed it by then.
            delay: () => nextDelay,
            shouldRetry: async ({ error, retryCount }) => {
              const failure = isHTTPError(error)
                ? { response: error.response }
                : isNetworkFailure(error)
                  ? { networkError: true as const }
                  : { other: error };
              const decision = decideRetry(failure, retryCount, retry);
              if (!decision.retry) return false;
              nextDelay = decision.delay;
              // Read or cancel the failed response before waiting, so its connection goes back to the pool.
              if (isHTTPError(error)) await discardBody(error.response.body);
              return true;
            },
          }
        : 0,
      // ky 1.14 always calls its fetch with the Request it built (Ky.#fetch), though its type allows any input.
      fetch: (input) => {
        const request = input as Request;
        const init: RequestInit & { duplex?: "half"; dispatcher?: unknown } = {
          method: hop.method,
          headers: hop.headers,
          // ky's request signal: the caller's signal and ky's timeout together.
          signal: request.signal,
          redirect,
        };
        if (body !== null && body !== undefined) {
          init.body = body as BodyInit;
          // Required by fetch for a stream body (and harmless without one); lib.dom's RequestInit lacks it.
          if (body instanceof ReadableStream) init.duplex = "half";
        }
        if (hop.method === "HEAD" && options.keepAliveHead) {
          const dispatcher = keepAliveHeadDispatcher();
          if (dispatcher) init.dispatcher = dispatcher;
        }
        return options.fetch(hop.url.href, init).catch((error: unknown) => {
          throw request.signal.aborted
            ? error
            : transportError(error, { method: hop.method, url: hop.url.href, signal: undefined });
        });
      },
    });
  } catch (error) {
    if (isHTTPError(error)) return error.response;
    throw transportError(error, { method: hop.method, url: hop.url.href, signal });
  }
}

function isNetworkFailure(error: unknown): boolean {
  return error instanceof OciError && error.code === "NETWORK";
}

function toTransportResponse(
  response: Response,
  hop: Hop,
  options: NormalizedOptions,
  signal: AbortSignal | undefined,
): TransportResponse {
  const noBody = hop.method === "HEAD" || response.status === 204 || response.status === 304;
  if (noBody && response.body) void response.body.cancel().catch(() => {});
  return {
    status: response.status,
    headers: response.headers,
    body:
      noBody || !response.body
        ? null
        : wrapBody(response.body, {
            idleTimeout: options.idleTimeout,
            context: { method: hop.method, url: response.url || hop.url.href, signal },
          }),
    url: response.url || hop.url.href,
  };
}
