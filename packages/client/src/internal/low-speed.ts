// The low-speed rule on every response body the client reads (spec-types' low-speed.ts says what it is): a body cut
// by it ends with TIMEOUT, and a blob download then resumes from what it holds, up to `blobAttempts`. A transport
// that applies the rule itself (`appliesLowSpeed`, as @toci/transport-node does) is handed it with each request;
// any other transport's bodies are wrapped here in a guarding stream, a second stream per body.
import {
  appliesLowSpeed,
  type BlobBodyResponse,
  isBlobBodyResponse,
  LowSpeedClock,
  type LowSpeedRule,
  type OciError,
  passBytes,
  redactUrl,
  type Transport,
} from "@toci/spec-types";

/** The rule: at least `limit` bytes per second over `time` ms of waiting; `limit` 0 turns it off. */
export type LowSpeed = LowSpeedRule;

/**
 * `transport` with the rule on every response body: registry requests, token requests, redirect targets alike. The
 * rule off (`limit` 0) gives `transport` itself.
 */
export function lowSpeedTransport(transport: Transport, rule: LowSpeed): Transport {
  if (rule.limit <= 0 || rule.time <= 0) return transport;
  if (appliesLowSpeed(transport)) {
    // No stream of ours around each body: the transport's own body keeps the rule (one stream per body, not two).
    const lowSpeed = { limit: rule.limit, time: rule.time };
    return { request: (request) => transport.request({ ...request, lowSpeed }) };
  }
  return {
    async request(request) {
      const response = await transport.request(request);
      // The body's name is built only for an error: most bodies never need it.
      const what = () => `${request.method} ${redactUrl(request.url)}`;
      if (isBlobBodyResponse(response)) return guardedBlobResponse(response, rule, what);
      if (!response.body) return response;
      return { ...response, body: lowSpeedGuard(response.body, rule, what) };
    },
  };
}

/**
 * A response that can read its body into a Blob, kept so, with the rule on either read: its stream guarded when
 * first read; a Blob read (which shows no progress to judge on the way) given a deadline by which the whole body,
 * at the rule's lowest average speed, must be there, plus one window.
 */
function guardedBlobResponse(response: BlobBodyResponse, rule: LowSpeed, what: () => string): BlobBodyResponse {
  let body: ReadableStream<Uint8Array> | null | undefined;
  return {
    status: response.status,
    headers: response.headers,
    url: response.url,
    get body() {
      body ??= response.body && lowSpeedGuard(response.body, rule, what);
      return body;
    },
    blob(options) {
      // Without a length (or with a bad one), the rule gives no bound of its own: the caller's deadline stands.
      const header = response.headers.get("content-length");
      const length = header === null || header.trim() === "" ? Number.NaN : Number(header);
      const ours = Number.isSafeInteger(length) ? rule.time + (length / rule.limit) * 1000 : undefined;
      const given = options?.deadline;
      const deadline = ours === undefined ? given : given === undefined ? ours : Math.min(given, ours);
      return response.blob(deadline === undefined ? {} : { deadline: Math.ceil(deadline) });
    },
  };
}

/** `body`, cut with TIMEOUT once a window of waiting brings less than the rule asks. `what` names it in the error. */
export function lowSpeedGuard(
  body: ReadableStream<Uint8Array>,
  rule: LowSpeed,
  what: string | (() => string),
): ReadableStream<Uint8Array> {
  if (rule.limit <= 0 || rule.time <= 0) return body;
  let cancelSource: (reason: unknown) => Promise<void> = () => Promise.resolve();
  const name = typeof what === "string" ? () => what : what;
  const clock = new LowSpeedClock(rule, name, (error: OciError) => {
    cancelSource(error).catch(() => {});
  });
  /** Errors the stream (and cancels the source) once a window brought too little. */
  const check = () => {
    if (clock.failure) throw clock.failure;
  };
  return passBytes(body, {
    open: (cancel) => {
      cancelSource = cancel;
    },
    reading: () => clock.start(),
    // A read the clock cut (the body cancelled under it) ends the stream with the clock's error.
    read: () => {
      clock.stop();
      check();
    },
    chunk: (bytes) => {
      clock.count(bytes.byteLength);
      check();
    },
    end: () => clock.end(),
    failed: () => clock.end(),
    cancelled: () => clock.end(),
  });
}
