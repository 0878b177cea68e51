// One registry's HTTP: URLs under its API base, credentials attached only to its own origin, the 401 handshake,
// and registry error bodies turned into OciErrors. Everything else (retries of idempotent requests, timeouts,
// redirects that drop Authorization across origins) is the Transport's job.
import {
  type HttpMethod,
  isOciErrorCode,
  OciError,
  type OciErrorCode,
  type RegistryErrorEntry,
  readResponse,
  redactUrl,
  type Transport,
  type TransportBody,
  type TransportResponse,
  toOciError,
} from "@toci/spec-types";
import type { Logger } from "../logger.js";
import { Abilities } from "./abilities.js";
import type { Authenticator } from "./auth/authenticator.js";
import { sameOrigin } from "./url.js";

/** The most of an error body read: registry error bodies are small; HTML error pages are cut. */
const MAX_ERROR_BODY = 64 * 1024;
/** The most of a registry's error entry put in a message. */
const MAX_ERROR_TEXT = 1000;

export interface RegistryRequest {
  method: HttpMethod;
  /** A path under `/v2/` (`library/ubuntu/manifests/latest`) or an absolute URL (an upload Location). */
  path?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: TransportBody | null;
  /** The token scopes the request needs. */
  scopes: readonly string[];
  signal?: AbortSignal;
}

export class RegistryHttp {
  readonly base: URL;
  /** What this registry showed it can do. */
  readonly abilities: Abilities;
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  readonly #logger: Logger;
  readonly #headers: Record<string, string>;
  #originPrefix: string | undefined;

  constructor(options: {
    base: URL;
    transport: Transport;
    authenticator: Authenticator;
    logger: Logger;
    headers?: Record<string, string>;
    abilities?: Abilities;
  }) {
    this.base = options.base;
    this.abilities = options.abilities ?? new Abilities();
    this.#transport = options.transport;
    this.#auth = options.authenticator;
    this.#logger = options.logger;
    this.#headers = options.headers ?? {};
  }

  /** The absolute URL of a path under the registry's `/v2/`. */
  url(path: string): string {
    return new URL(`v2/${path}`, this.base).href;
  }

  /**
   * Sends a request, authenticated when it goes to the registry's own origin, answering one 401 challenge.
   * Resolves with any HTTP status; rejects only with an OciError (NETWORK, TIMEOUT, ABORTED, UNAUTHORIZED when
   * credentials may not be sent, PROTOCOL for a broken token server).
   */
  async send(request: RegistryRequest): Promise<TransportResponse> {
    const url = request.url ?? this.url(request.path ?? "");
    // Credentials are bound to the registry origin: an upload Location or a Link on another origin gets none.
    // A path is resolved under the API base (`v2/…` is a relative path whatever follows), so it is on its origin.
    const ownOrigin = request.url === undefined || this.#onOrigin(url);
    const headers: Record<string, string> = { ...this.#headers, ...request.headers };
    let sent: string | undefined;
    try {
      if (ownOrigin) {
        sent = await this.#auth.authorize(request.scopes, request.signal);
        if (sent) headers.authorization = sent;
      }
      let response = await this.#transport.request({
        method: request.method,
        url,
        headers,
        body: request.body,
        signal: request.signal,
      });
      // A body that was a stream is spent: such a request cannot be replayed after a 401.
      const replayable = !(request.body instanceof ReadableStream);
      // A challenge is believed only from the registry's own origin. The transport follows redirects, so the
      // answer may come from a redirect target (a storage host): its 401 is an error for the caller, never a
      // reason to run a token flow on a realm it names with the registry's credentials, nor to send the token
      // it yields back to the registry.
      const answeredByRegistry = !response.url || this.#onOrigin(response.url);
      if (response.status === 401 && ownOrigin && answeredByRegistry && replayable) {
        const retry = await this.#auth.unauthorized(
          response.headers.get("www-authenticate"),
          request.scopes,
          sent,
          request.signal,
        );
        if (retry) {
          await discard(response);
          headers.authorization = retry;
          response = await this.#transport.request({
            method: request.method,
            url,
            headers,
            body: request.body,
            signal: request.signal,
          });
        }
      }
      return response;
    } catch (error) {
      throw toOciError(error, "NETWORK", `${request.method} ${redact(url)}`);
    }
  }

  /**
   * Whether a URL is on the registry's origin. Most are hrefs we built under the base (pages, uploads, what the
   * transport says answered), told by their start without parsing two URLs per request; anything else is parsed.
   */
  #onOrigin(url: string): boolean {
    this.#originPrefix ??= `${this.base.origin}/`;
    return url.startsWith(this.#originPrefix) || sameOrigin(url, this.base);
  }

  /** Learns that the registry answered an unauthenticated request without a challenge. */
  learnAnonymous(): void {
    this.#auth.learnAnonymous();
  }

  /** Token requests made so far. */
  get tokenRequests(): number {
    return this.#auth.tokenRequests;
  }

  /** The OciError for a response that was not what an operation expected. Consumes the body. */
  async error(response: TransportResponse, method: string, url: string, notFound: OciErrorCode): Promise<OciError> {
    const error = await responseError(response, method, url, notFound);
    this.#logger.debug(`${method} ${redact(url)} → ${response.status}`, { code: error.code });
    return error;
  }
}

/** Reads and drops a response body so the connection can be reused; never throws. */
export async function discard(response: TransportResponse): Promise<void> {
  if (!response.body) return;
  try {
    await response.body.cancel();
  } catch {
    // Nothing to do: the connection is closed instead of reused.
  }
}

/**
 * Turns a registry's non-success response into an OciError: the registry's own code when its JSON error body names
 * one of the spec's codes (distribution-spec "Error Codes"), else one derived from the status.
 */
export async function responseError(
  response: TransportResponse,
  method: string,
  url: string,
  notFound: OciErrorCode,
): Promise<OciError> {
  let errors: RegistryErrorEntry[] = [];
  let text = "";
  try {
    // Not `response.body` first: a transport that reads whole bodies builds no stream unless asked for one.
    const bytes = await readResponse(response, MAX_ERROR_BODY);
    text = new TextDecoder().decode(bytes);
    errors = parseErrorBody(text);
  } catch {
    // An error body larger than the cap or cut mid-way: the status alone has to do.
  }
  const status = response.status;
  const registryCode = errors.map((e) => e.code).find(isOciErrorCode);
  const code: OciErrorCode =
    registryCode ??
    (status === 401
      ? "UNAUTHORIZED"
      : status === 403
        ? "DENIED"
        : status === 404
          ? notFound
          : status === 429
            ? "TOOMANYREQUESTS"
            : status === 413
              ? "TOO_LARGE"
              : status >= 500
                ? "UNAVAILABLE"
                : "HTTP");
  const first = errors[0];
  // A message names the registry's first entry, cut short like an HTML page is: a hostile body can fill its 64 KiB
  // with one code, and the whole entries are in `errors` anyway.
  const what = first
    ? `${first.code}${first.message ? `: ${first.message}` : ""}`.slice(0, MAX_ERROR_TEXT)
    : text.trim().slice(0, 200);
  return new OciError(code, `${method} ${redact(url)}: ${status}${what ? ` ${what}` : ""}`, {
    status,
    errors,
    method,
    url: redact(url),
  });
}

/** Parses `{"errors":[{"code","message","detail"}]}`; anything else gives no entries. Never throws. */
export function parseErrorBody(text: string): RegistryErrorEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  const list = (value as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(list)) return [];
  const out: RegistryErrorEntry[] = [];
  for (const e of list.slice(0, 100)) {
    if (typeof e !== "object" || e === null || typeof (e as { code?: unknown }).code !== "string") continue;
    const entry: RegistryErrorEntry = { code: (e as { code: string }).code };
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string") entry.message = message;
    if ((e as { detail?: unknown }).detail !== undefined) entry.detail = (e as { detail?: unknown }).detail;
    out.push(entry);
  }
  return out;
}

/**
 * A URL as errors and logs show it: without userinfo, query or fragment (upload Locations carry session state, and
 * redirect targets on storage hosts a signature).
 */
export const redact = redactUrl;
