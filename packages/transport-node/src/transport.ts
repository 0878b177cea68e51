// nodeTransport: the Transport contract (@toci/spec-types) over Node's sockets, HTTP/1.1 spoken by the transport
// itself so that bodies are read in large views of reused-once buffers (internal/connection.ts) instead of
// node:http's 64 KiB chunks through a parser, a Readable and a web stream each.
//
// One request goes through three layers:
// 1. `send`: checks the request (spec-types' checkRequest), then the redirect loop (spec-types' nextHop);
// 2. `sendHop`: the retry loop of one hop (spec-types' decideRetry decides what is retried and how long to wait);
// 3. `attempt` (attempt.ts): one exchange on a pooled connection, direct or through a proxy.

import {
  type ClosableTransport,
  checkRequest,
  type FailureContext,
  type Hop,
  type HttpMethod,
  isRedirect,
  isRetryable,
  type LowSpeedTransport,
  nextHop,
  OciError,
  retryLoop,
  type TransportRequest,
  type TransportResponse,
  transportError,
  type WholeBodyResponse,
  warningReporter,
} from "@toci/spec-types";
import { type Answer, attempt, type Caller, type Shared, staleConnection } from "./attempt.js";
import { HeaderList } from "./headers.js";
import { Pool } from "./internal/pool.js";
import { type NodeTransportOptions, normalizeOptions } from "./options.js";
import { type PreparedBody, prepareBody } from "./request-body.js";

/**
 * A Transport over Node's sockets (Node only): HTTP/1.1 with keep-alive connections per origin, HEADs included;
 * bodies read in large chunks without copies, streamed both ways with back-pressure; retries of idempotent
 * requests with replayable bodies; `Retry-After`; per-attempt and idle-body timeouts; abort; redirects that never
 * carry `Authorization` to another origin; `Warning` headers reported once each; TLS with an extra CA, a client
 * certificate, per origin; HTTP proxies from the environment or the options (CONNECT tunnels for https); a
 * request's `lowSpeed` rule applied inside the body stream (`appliesLowSpeed`). `close()` closes every connection.
 *
 * @example
 * await using transport = nodeTransport({ ca: readFileSync("ca.crt", "utf8") });
 * const res = await transport.request({ method: "GET", url: "https://registry.example/v2/" });
 */
export function nodeTransport(options?: NodeTransportOptions): ClosableTransport & LowSpeedTransport & AsyncDisposable {
  const normalized = normalizeOptions(options);
  const shared: Shared = {
    options: normalized,
    pool: new Pool(normalized),
    report: warningReporter(normalized.onWarning),
  };
  const close = async () => shared.pool.destroy();
  return {
    request: (request) => send(shared, request),
    appliesLowSpeed: true,
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function send(shared: Shared, request: TransportRequest): Promise<TransportResponse> {
  const { options } = shared;
  const { method, url, headers } = checkRequest(request, (init) => new HeaderList(init));
  let body: PreparedBody | null;
  try {
    body = request.body == null ? null : prepareBody(request.body);
  } catch (error) {
    throw new OciError("INVALID_ARGUMENT", "invalid request body", { cause: error });
  }
  // The caller's signal itself: a pull with many blobs in flight shares one, and what listens to it goes through
  // whenAborted (internal/abort-listeners.ts), one listener per signal however many requests share it; an
  // AbortSignal.any() follower per request cost ~20 µs on Node 20.
  const { signal, lowSpeed } = request;
  if (signal?.aborted) throw transportError(signal.reason, { method, url: url.href, signal });
  const caller: Caller = {
    signal,
    lowSpeed: lowSpeed && lowSpeed.limit > 0 && lowSpeed.time > 0 ? lowSpeed : undefined,
  };
  if (!headers.has("user-agent")) headers.set("user-agent", options.userAgent);

  let hop: Hop = { url, method, headers, keepBody: true };
  for (let redirects = 0; ; redirects++) {
    const answer = await sendHop(shared, hop, hop.keepBody ? body : null, caller);
    shared.report(answer.headers.get("warning"), hop.url.href);
    if (request.followRedirects !== false && isRedirect(answer.status) && redirects < options.maxRedirects) {
      const next = nextHop(hop, answer.status, answer.headers.get("location"), {
        allowInsecureRedirects: options.allowInsecureRedirects,
        replayableBody: body === null || body.replayable,
        hasBody: body !== null,
        copyHeaders: (h) => new HeaderList(h),
      });
      if (typeof next !== "string") {
        await answer.body?.discard();
        hop = next;
        continue;
      }
    }
    return toResponse(answer, hop.url.href);
  }
}

/**
 * The caller's response. Its body stream is built only when `body` is read (a getter of the object itself, so that a
 * spread copies the stream); `bytes()` reads a small body whole without one (spec-types' `readResponse`).
 */
function toResponse(answer: Answer, url: string): TransportResponse | WholeBodyResponse {
  const { status, headers, body } = answer;
  if (!body) return { status, headers, body: null, url };
  return {
    status,
    headers,
    url,
    get body() {
      return body.stream;
    },
    bytes: (maxBytes) => body.bytes(maxBytes),
  };
}

/**
 * The retry loop's context: its waits listen to the signal they are given (one listener each), so they get a
 * follower of the caller's signal, built only when a request fails or waits: many requests retrying at once under
 * one signal would otherwise pass Node's limit of 10 listeners (MaxListenersExceededWarning).
 */
function waitContext(hop: Hop, signal: AbortSignal | undefined): FailureContext {
  let follower: AbortSignal | undefined;
  return {
    method: hop.method,
    url: hop.url.href,
    get signal() {
      if (signal) follower ??= AbortSignal.any([signal]);
      return follower;
    },
  };
}

/** One hop: the retry loop around `attempt`; resolves with the last answer, whatever its status. */
function sendHop(shared: Shared, hop: Hop, body: PreparedBody | null, caller: Caller): Promise<Answer> {
  const { retry } = shared.options;
  const replayable = body === null || body.replayable;
  return retryLoop({
    retry,
    retryable: isRetryable(hop.method as HttpMethod, null, retry) && replayable,
    context: waitContext(hop, caller.signal),
    attempt: () => attempt(shared, hop, body, caller),
    // A keep-alive connection the server closed while it sat in the pool: the request never reached the server,
    // so it is sent again once on a new connection, whatever its method, and that does not count as a retry.
    resendOnce: (failure) => staleConnection.has(failure) && replayable,
    // Read or drop the failed response before waiting, so its connection goes back to the pool.
    discard: async (answer) => answer.body?.discard(),
  });
}
