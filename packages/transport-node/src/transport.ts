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
  decideRetry,
  type FailureContext,
  type Hop,
  type HttpMethod,
  isRedirect,
  isRetryable,
  nextHop,
  OciError,
  type TransportRequest,
  type TransportResponse,
  transportError,
  warningReporter,
} from "@toci/spec-types";
import { type Answer, attempt, type Shared, staleConnection } from "./attempt.js";
import { HeaderList } from "./headers.js";
import { whenAborted } from "./internal/abort-listeners.js";
import { Pool } from "./internal/pool.js";
import { type NodeTransportOptions, normalizeOptions } from "./options.js";
import { type PreparedBody, prepareBody } from "./request-body.js";

/**
 * A Transport over Node's sockets (Node only): HTTP/1.1 with keep-alive connections per origin, HEADs included;
 * bodies read in large chunks without copies, streamed both ways with back-pressure; retries of idempotent
 * requests with replayable bodies; `Retry-After`; per-attempt and idle-body timeouts; abort; redirects that never
 * carry `Authorization` to another origin; `Warning` headers reported once each; TLS with an extra CA, a client
 * certificate, per origin; HTTP proxies from the environment or the options (CONNECT tunnels for https).
 * `close()` closes every connection.
 *
 * @example
 * await using transport = nodeTransport({ ca: readFileSync("ca.crt", "utf8") });
 * const res = await transport.request({ method: "GET", url: "https://registry.example/v2/" });
 */
export function nodeTransport(options?: NodeTransportOptions): ClosableTransport & AsyncDisposable {
  const normalized = normalizeOptions(options);
  const shared: Shared = {
    options: normalized,
    pool: new Pool(normalized),
    report: warningReporter(normalized.onWarning),
  };
  const close = async () => shared.pool.destroy();
  return {
    request: (request) => send(shared, request),
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
  // The caller's signal itself: what listens to it goes through whenAborted (internal/abort-listeners.ts), one
  // listener per signal however many requests share it.
  const signal = request.signal;
  if (signal?.aborted) throw transportError(signal.reason, { method, url: url.href, signal });
  if (!headers.has("user-agent")) headers.set("user-agent", options.userAgent);

  let hop: Hop = { url, method, headers, keepBody: true };
  for (let redirects = 0; ; redirects++) {
    const answer = await sendHop(shared, hop, hop.keepBody ? body : null, signal);
    shared.report(answer.headers.get("warning"), hop.url.href);
    if (request.followRedirects !== false && isRedirect(answer.status) && redirects < options.maxRedirects) {
      const next = nextHop(hop, answer.status, answer.headers.get("location"), {
        allowInsecureRedirects: options.allowInsecureRedirects,
        replayableBody: body === null || body.replayable,
        hasBody: body !== null,
        copyHeaders: (h) => new HeaderList(h),
      });
      if (typeof next !== "string") {
        await answer.body?.stream.cancel();
        hop = next;
        continue;
      }
    }
    return { status: answer.status, headers: answer.headers, body: answer.body?.stream ?? null, url: hop.url.href };
  }
}

/** One hop: the retry loop around `attempt`; resolves with the last answer, whatever its status. */
async function sendHop(
  shared: Shared,
  hop: Hop,
  body: PreparedBody | null,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  const { retry } = shared.options;
  const retryable = isRetryable(hop.method as HttpMethod, null, retry) && (body === null || body.replayable);
  const context: FailureContext = { method: hop.method, url: hop.url.href, signal };
  let resentStale = false;
  for (let retryCount = 1; ; retryCount++) {
    let answer: Answer;
    try {
      answer = await attempt(shared, hop, body, signal);
    } catch (error) {
      const failure = transportError(error, context);
      // A keep-alive connection the server closed while it sat in the pool: the request never reached the server,
      // so it is sent again once on a new connection, whatever its method, and that does not count as a retry.
      if (staleConnection.has(failure) && !resentStale && (body === null || body.replayable)) {
        resentStale = true;
        retryCount--;
        continue;
      }
      if (!retryable || retryCount > retry.limit || failure.code !== "NETWORK") throw failure;
      const decision = decideRetry({ networkError: true }, retryCount, retry);
      if (!decision.retry) throw failure;
      await sleep(decision.delay, context);
      continue;
    }
    if (retryable && retryCount <= retry.limit && retry.statusCodes.includes(answer.status)) {
      const decision = decideRetry({ response: answer }, retryCount, retry);
      if (decision.retry) {
        // Read or drop the failed response before waiting, so its connection goes back to the pool.
        await answer.body?.stream.cancel();
        await sleep(decision.delay, context);
        continue;
      }
    }
    return answer;
  }
}

/** Waits `ms`, or rejects with ABORTED as soon as the caller's signal fires. */
function sleep(ms: number, context: FailureContext): Promise<void> {
  const { signal } = context;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(transportError(signal.reason, context));
    const timer = setTimeout(() => {
      stop();
      resolve();
    }, ms);
    const stop = signal
      ? whenAborted(signal, () => {
          clearTimeout(timer);
          reject(transportError(signal.reason, context));
        })
      : () => {};
  });
}
