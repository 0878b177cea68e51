// nodeTransport: the Transport contract (@toci/spec-types) over node:http and node:https.
//
// One request goes through three layers:
// 1. `send`: checks the request, then the redirect loop (redirect.ts decides), one hop per URL;
// 2. `sendHop`: the retry loop of one hop (retry.ts decides what is retried and how long to wait);
// 3. `attempt`: one ClientRequest on a keep-alive agent (agents.ts), with the per-attempt timeout and the abort
//    signal; the body is written with back-pressure (request-body.ts) and the response body becomes a web stream
//    over the IncomingMessage (response-body.ts).

import type { ClientRequest, IncomingMessage } from "node:http";
import http from "node:http";
import https from "node:https";
import {
  type ClosableTransport,
  decideRetry,
  type Hop,
  type HttpMethod,
  isRedirect,
  isRetryable,
  nextHop,
  OciError,
  type TransportRequest,
  type TransportResponse,
  warningReporter,
} from "@toci/spec-types";
import { type Agents, createAgents } from "./agents.js";
import { abortError, type FailureContext, timeoutError, transportError } from "./errors.js";
import { HeaderList } from "./headers.js";
import { type NodeTransportOptions, type NormalizedOptions, normalizeOptions } from "./options.js";
import { type PreparedBody, prepareBody } from "./request-body.js";
import { discardBody, responseBody } from "./response-body.js";

const METHODS: ReadonlySet<string> = new Set<HttpMethod>(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]);

/** What one transport shares between its requests. */
interface Shared {
  options: NormalizedOptions;
  agents: Agents;
  report: (warning: string | null, url: string) => void;
}

/**
 * A Transport over `node:http`/`node:https` (Node only): keep-alive connections per origin, HEADs included;
 * streaming both ways with back-pressure; retries of idempotent requests with replayable bodies; `Retry-After`;
 * per-attempt and idle-body timeouts; abort; redirects that never carry `Authorization` to another origin;
 * `Warning` headers reported once each; an extra CA or no verification at all for TLS. `close()` closes every
 * connection.
 *
 * @example
 * await using transport = nodeTransport({ ca: readFileSync("ca.crt", "utf8") });
 * const res = await transport.request({ method: "GET", url: "https://registry.example/v2/" });
 */
export function nodeTransport(options?: NodeTransportOptions): ClosableTransport & AsyncDisposable {
  const normalized = normalizeOptions(options);
  const shared: Shared = {
    options: normalized,
    agents: createAgents(normalized),
    report: warningReporter(normalized.onWarning),
  };
  const close = async () => shared.agents.destroy();
  return {
    request: (request) => send(shared, request),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function send(shared: Shared, request: TransportRequest): Promise<TransportResponse> {
  const { options } = shared;
  const method = String(request.method).toUpperCase();
  if (!METHODS.has(method)) throw new OciError("INVALID_ARGUMENT", `unsupported HTTP method ${request.method}`);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch (error) {
    throw new OciError("INVALID_ARGUMENT", `not a URL: ${request.url}`, { cause: error });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OciError("INVALID_ARGUMENT", `not an http(s) URL: ${request.url}`);
  }
  // As with fetch: credentials belong in headers, where redirects can drop them.
  if (url.username || url.password) throw new OciError("INVALID_ARGUMENT", "credentials in a URL are not sent");
  if (request.body != null && (method === "GET" || method === "HEAD")) {
    throw new OciError("INVALID_ARGUMENT", `a ${method} request cannot have a body`);
  }
  let headers: Headers;
  let body: PreparedBody | null;
  try {
    headers = new HeaderList(request.headers);
    body = request.body == null ? null : prepareBody(request.body);
  } catch (error) {
    throw new OciError("INVALID_ARGUMENT", "invalid request headers or body", { cause: error });
  }
  // A request's own signal that follows the caller's: a pull with many blobs in flight shares one caller signal,
  // and listeners on it (one per request and per body) would pass Node's limit of 10 and print
  // MaxListenersExceededWarning; AbortSignal.any() follows its source without adding a listener to it.
  const signal = request.signal ? AbortSignal.any([request.signal]) : undefined;
  if (signal?.aborted) throw abortError({ method, url: url.href, signal });
  if (!headers.has("user-agent")) headers.set("user-agent", options.userAgent);

  let hop: Hop = { url, method, headers, keepBody: true };
  for (let redirects = 0; ; redirects++) {
    const { message, headers: responseHeaders } = await sendHop(shared, hop, hop.keepBody ? body : null, signal);
    const status = message.statusCode ?? 0;
    shared.report(responseHeaders.get("warning"), hop.url.href);
    if (request.followRedirects !== false && isRedirect(status) && redirects < options.maxRedirects) {
      const next = nextHop(hop, status, responseHeaders.get("location"), {
        allowInsecureRedirects: options.allowInsecureRedirects,
        replayableBody: body === null || body.replayable,
        hasBody: body !== null,
        copyHeaders: (h) => new HeaderList(h),
      });
      if (typeof next !== "string") {
        await discardBody(message);
        hop = next;
        continue;
      }
    }
    const noBody = hop.method === "HEAD" || status === 204 || status === 304;
    // Read the (empty) message to its end before resolving: that is what hands the connection back to the pool
    // (node:http does it in a nextTick after 'end'), so a request sent right after this one can reuse it.
    if (noBody) await drain(message);
    return {
      status,
      headers: responseHeaders,
      body: noBody
        ? null
        : responseBody(message, {
            idleTimeout: options.idleTimeout,
            context: { method: hop.method, url: hop.url.href, signal },
          }),
      url: hop.url.href,
    };
  }
}

/** Failures of an attempt on a reused connection that the server had already closed (see `attempt`). */
const staleConnection = new WeakSet<OciError>();

/** One hop: the retry loop around `attempt`; resolves with the last response, whatever its status. */
async function sendHop(
  shared: Shared,
  hop: Hop,
  body: PreparedBody | null,
  signal: AbortSignal | undefined,
): Promise<{ message: IncomingMessage; headers: Headers }> {
  const { retry } = shared.options;
  const retryable = isRetryable(hop.method as HttpMethod, null, retry) && (body === null || body.replayable);
  const context: FailureContext = { method: hop.method, url: hop.url.href, signal };
  let resentStale = false;
  for (let retryCount = 1; ; retryCount++) {
    let message: IncomingMessage;
    try {
      message = await attempt(shared, hop, body, signal);
    } catch (error) {
      const failure = transportError(error, context);
      // A keep-alive connection the server closed while it sat in the pool: the request never reached the server
      // (node:http's documented case, `req.reusedSocket`), so it is sent again once on a new connection, whatever
      // its method, and that does not count as a retry.
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
    const headers = toHeaders(message.rawHeaders);
    const status = message.statusCode ?? 0;
    if (retryable && retryCount <= retry.limit && retry.statusCodes.includes(status)) {
      const decision = decideRetry({ response: { status, headers } }, retryCount, retry);
      if (decision.retry) {
        // Read or drop the failed response before waiting, so its connection goes back to the pool.
        await discardBody(message);
        await sleep(decision.delay, context);
        continue;
      }
    }
    return { message, headers };
  }
}

/** One request on the pool: resolves when the response headers arrive. */
function attempt(
  shared: Shared,
  hop: Hop,
  body: PreparedBody | null,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  const { options, agents } = shared;
  const context: FailureContext = { method: hop.method, url: hop.url.href, signal };
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of hop.headers) headers[name] = value;
    if (body?.length !== undefined && headers["content-length"] === undefined) {
      headers["content-length"] = String(body.length);
    }
    const secure = hop.url.protocol === "https:";
    let request: ClientRequest;
    try {
      request = (secure ? https : http).request(hop.url, {
        method: hop.method,
        headers,
        agent: secure ? agents.https : agents.http,
      });
    } catch (error) {
      reject(new OciError("INVALID_ARGUMENT", `${hop.method} ${hop.url.href}: ${String(error)}`, { cause: error }));
      return;
    }
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => request.destroy(abortError(context));
    request.on("error", (error) => {
      if (settled) return;
      settle();
      const failure = transportError(error, context);
      const code = (error as { code?: unknown }).code;
      if (request.reusedSocket && (code === "ECONNRESET" || code === "EPIPE")) staleConnection.add(failure);
      reject(failure);
    });
    request.on("response", (message) => {
      if (settled) {
        message.destroy();
        return;
      }
      settle();
      resolve(message);
    });
    // The timeout counts time without progress, not the attempt's length: a 1 GiB PUT on a slow link may take an
    // hour, and only then can the registry answer. Progress is the socket taking another part of the body; from
    // the body's end, the registry has `timeout` ms to answer. One coarse timer, re-armed only when it fires.
    let since = performance.now();
    const progress = () => {
      since = performance.now();
    };
    const check = () => {
      if (settled) return;
      const quiet = performance.now() - since;
      if (quiet >= options.timeout) {
        const what = request.writableFinished ? "no response headers" : "the request body made no progress";
        request.destroy(timeoutError(context, what, options.timeout));
      } else {
        timer = setTimeout(check, options.timeout - quiet);
      }
    };
    if (options.timeout > 0) timer = setTimeout(check, options.timeout);
    request.once("finish", progress);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (body === null) request.end();
    else body.write(request, progress).catch((error: unknown) => request.destroy(error as Error));
  });
}

/** Resolves once a message without a body has ended (or failed: its connection is gone then anyway). */
function drain(message: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (message.readableEnded) return resolve();
    message.once("end", resolve);
    message.once("close", resolve);
    message.on("error", () => {});
    message.resume();
  });
}

/** The response headers as a web `Headers`, from node:http's raw name/value list (repeated names appended). */
function toHeaders(raw: string[]): Headers {
  const headers = new HeaderList();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // A header the Fetch rules refuse (a name that is not a token): dropped; fetch would fail the whole response.
    }
  }
  return headers;
}

/** Waits `ms`, or rejects with ABORTED as soon as the caller's signal fires. */
function sleep(ms: number, context: FailureContext): Promise<void> {
  const { signal } = context;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(context));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(context));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
