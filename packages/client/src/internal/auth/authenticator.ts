// Authentication for one registry origin. The handshake, as the distribution token spec and RFC 9110 describe it:
//   1. Send the request with the best credentials known for its scopes (a cached token, Basic once the registry
//      asked for it, or nothing yet).
//   2. On 401, read WWW-Authenticate: Basic → retry with Basic; Bearer → get a token for the request's scopes merged
//      with the challenge's (GET realm?service&scope with Basic credentials, or a refresh-token POST), retry once.
//   3. Cache the token per (realm, service, scopes) until shortly before `expires_in`; one token request in flight
//      per key; a token the registry refuses is dropped and fetched again (koci never recovered from one).
// The credentials are fixed (the `auth` option) or a credential provider's answer (credential-source.ts): asked for on
// the first 401, kept until refused or past its `expiresAt`, and the tokens it earned dropped with it.
// Credentials are bound to the registry origin: the caller only asks for headers for URLs on that origin, the realm
// never receives Basic credentials over plain HTTP unless it is loopback or the caller allowed it, and an https
// registry never hands credentials to an http realm (docs/architecture.md §7).

import type { Transport } from "@toci/spec-types";
import { isOciError, OciError, readResponse, redactUrl } from "@toci/spec-types";
import type { Auth } from "../../auth.js";
import type { Logger } from "../../logger.js";
import { assertNotPrivateFromPublic } from "../address.js";
import { isLoopbackHost } from "../url.js";
import { type Challenge, parseChallenges } from "./challenge.js";
import { basicHeader, CredentialSource, type Credentials } from "./credential-source.js";
import { mergeScopes } from "./scope.js";

/** The largest token response read: tokens are a few KiB; this bounds a hostile realm (oras-go uses 128 KiB too). */
const MAX_TOKEN_RESPONSE = 128 * 1024;
/** Visible ASCII without spaces: what RFC 6750's b64token and every JWT fit in, and what a header can carry. */
const HEADER_SAFE_TOKEN = /^[\x21-\x7e]+$/;
/** Token lifetime when the server does not say (distribution token spec: `expires_in` defaults to 60 s). */
const DEFAULT_EXPIRES_IN = 60;

export interface AuthenticatorOptions {
  auth: Auth;
  transport: Transport;
  /** The registry origin (`https://ghcr.io`). */
  origin: string;
  /** What a credential provider is asked with: the registry's `host[:port]` (`docker.io` for Docker Hub). */
  host: string;
  /** Send credentials over plain HTTP to non-loopback hosts. */
  allowInsecureCredentials: boolean;
  logger: Logger;
}

type Known =
  | { scheme: "none" }
  | { scheme: "basic" }
  | { scheme: "bearer"; realm: string; service: string | undefined };

export class Authenticator {
  readonly #o: AuthenticatorOptions;
  readonly #source: CredentialSource;
  #known: Known | undefined;

  constructor(options: AuthenticatorOptions) {
    this.#o = options;
    this.#source = new CredentialSource(options.auth, options.host);
  }

  /** Token requests made so far (for tests and diagnostics). */
  tokenRequests = 0;

  /** Credential provider lookups made so far (for tests and diagnostics). */
  get lookups(): number {
    return this.#source.lookups;
  }

  /**
   * The Authorization header for a request to the registry origin that needs `scopes`, or undefined when no
   * credentials apply yet (the registry has not challenged, or access is anonymous and needs no token).
   */
  async authorize(scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    const fixed = this.#source.fixed;
    if (fixed?.type === "bearer") {
      // The caller's own token is a credential as much as a password is (the Security guide promised as much).
      this.#refuseInsecure(this.#o.origin, "a bearer token");
      return `Bearer ${fixed.token}`;
    }
    const known = this.#known;
    if (!known || known.scheme === "none") return undefined;
    if (known.scheme === "basic") return this.#basicHeader(signal);
    return this.#bearerHeader(known, mergeScopes(scopes), signal);
  }

  /**
   * Handles a 401: learns the challenge and returns the header to retry with, or undefined when retrying cannot
   * help (no usable challenge, or the same credentials were just refused). What was refused leaves the caches: a
   * token, and a provider's answer that produced it (the provider is asked again).
   */
  async unauthorized(
    wwwAuthenticate: string | null,
    scopes: readonly string[],
    sent: string | undefined,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const challenges = parseChallenges(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === "bearer" && c.params.realm);
    const basic = challenges.find((c) => c.scheme === "basic");
    if (this.#source.fixed?.type === "bearer") return undefined; // a fixed token: nothing else to try
    if (sent) this.#source.refused(sent);
    let header: string | undefined;
    if (bearer) {
      const known = this.#learnBearer(bearer);
      const wanted = mergeScopes([...scopes, ...(bearer.params.scope ?? "").split(" ").filter(Boolean)]);
      header = await this.#bearerHeader(known, wanted, signal, true);
    } else if (basic) {
      this.#known = { scheme: "basic" };
      header = await this.#basicHeader(signal);
    }
    return header === sent ? undefined : header;
  }

  /** Whether the registry is known to need no credentials at all (an unauthenticated /v2/ answered 200). */
  learnAnonymous(): void {
    this.#known ??= { scheme: "none" };
  }

  #learnBearer(challenge: Challenge): Known & { scheme: "bearer" } {
    const known = { scheme: "bearer" as const, realm: challenge.params.realm!, service: challenge.params.service };
    this.#known = known;
    return known;
  }

  /** What answers a Basic challenge: Basic credentials, or a provider's bearer token (sent as it is). */
  async #basicHeader(signal: AbortSignal | undefined): Promise<string | undefined> {
    const { credentials } = await this.#source.current(signal);
    if (credentials.type === "bearer") {
      this.#refuseInsecure(this.#o.origin, "a bearer token");
      return `Bearer ${credentials.token}`;
    }
    if (credentials.type !== "basic") return undefined;
    this.#refuseInsecure(this.#o.origin, "Basic credentials");
    return basicHeader(credentials);
  }

  /** Throws unless credentials may go to `url` (https, loopback, or explicitly allowed). */
  #refuseInsecure(url: string, what: string): void {
    const u = new URL(url);
    if (u.protocol === "https:" || isLoopbackHost(u.hostname) || this.#o.allowInsecureCredentials) return;
    throw new OciError(
      "UNAUTHORIZED",
      `refusing to send ${what} over plain HTTP to ${u.host}; use https, or allow it explicitly (allowInsecureCredentials)`,
    );
  }

  /**
   * `Bearer <token>` for `scopes`: a provider's own bearer token as it is, else a cached token (unless `force`),
   * else one from the token server. When the token server refuses a provider's answer, the provider is asked once
   * more and a different answer tried.
   */
  async #bearerHeader(
    known: Known & { scheme: "bearer" },
    scopes: string[],
    signal: AbortSignal | undefined,
    force = false,
  ): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const answer = await this.#source.current(signal);
      const { credentials } = answer;
      if (credentials.type === "bearer") {
        this.#refuseInsecure(this.#o.origin, "a bearer token");
        return `Bearer ${credentials.token}`;
      }
      const key = authority(known);
      const cached = force ? undefined : answer.tokens.get(key, scopes);
      if (cached) return `Bearer ${cached}`;
      try {
        const token = await answer.tokens.singleFlight(key, scopes, async () => {
          const { token, expiresIn } = await this.#fetchToken(known, { scopes, credentials, signal });
          answer.tokens.set(key, scopes, token, expiresIn);
          return token;
        });
        return `Bearer ${token}`;
      } catch (error) {
        const refused = isOciError(error) && error.status === 401 && credentials.type !== "anonymous";
        if (!refused || attempt > 0 || !this.#source.drop(answer)) throw error;
        const next = await this.#source.current(signal);
        if (sameCredentials(next.credentials, credentials)) throw error;
      }
    }
  }

  async #fetchToken(
    known: Known & { scheme: "bearer" },
    request: { scopes: string[]; credentials: Credentials; signal: AbortSignal | undefined },
  ): Promise<{ token: string; expiresIn: number }> {
    const { transport, origin, logger } = this.#o;
    const { scopes, credentials: auth, signal } = request;
    let realm: URL;
    try {
      realm = new URL(known.realm);
    } catch {
      throw new OciError(
        "PROTOCOL",
        `the registry's token realm ${JSON.stringify(redactUrl(known.realm.slice(0, 200)))} is not a URL`,
      );
    }
    if (realm.protocol !== "https:" && realm.protocol !== "http:") {
      throw new OciError("PROTOCOL", `the registry's token realm ${redactUrl(realm.href)} is not http(s)`);
    }
    assertNotPrivateFromPublic(new URL(origin), realm, "the token realm");
    // Credentials go to the realm only over https, or plain http when the realm is loopback or the caller allowed it,
    // and never when the realm downgrades an https registry to http.
    const downgrade = new URL(origin).protocol === "https:" && realm.protocol === "http:";
    const credentialsAllowed =
      !downgrade && (realm.protocol === "https:" || isLoopbackHost(realm.hostname) || this.#o.allowInsecureCredentials);
    if (!credentialsAllowed && auth.type !== "anonymous") {
      logger.warn(`not sending credentials to the token realm ${realm.origin}: plain HTTP`, { registry: origin });
    }
    this.tokenRequests++;
    const headers: Record<string, string> = { accept: "application/json" };
    let response: Awaited<ReturnType<Transport["request"]>>;
    if (auth.type === "refresh-token" && credentialsAllowed) {
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: auth.refreshToken,
        client_id: auth.clientId ?? "toci",
        ...(known.service ? { service: known.service } : {}),
        scope: scopes.join(" "),
      });
      headers["content-type"] = "application/x-www-form-urlencoded";
      response = await transport.request({ method: "POST", url: realm.href, headers, body: form.toString(), signal });
    } else {
      const url = new URL(realm);
      if (known.service) url.searchParams.set("service", known.service);
      for (const scope of scopes) url.searchParams.append("scope", scope);
      if (auth.type === "basic" && credentialsAllowed) {
        headers.authorization = basicHeader(auth);
      }
      response = await transport.request({ method: "GET", url: url.href, headers, signal });
    }
    const body = await readResponse(response, MAX_TOKEN_RESPONSE);
    if (response.status !== 200) {
      throw new OciError(
        response.status === 401 ? "UNAUTHORIZED" : response.status === 403 ? "DENIED" : "UNAUTHORIZED",
        `the token server ${realm.origin} answered ${response.status}${response.status === 401 ? ": wrong credentials?" : ""}`,
        { status: response.status, url: realm.origin + realm.pathname },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(body));
    } catch (cause) {
      throw new OciError("PROTOCOL", "the token server's answer is not JSON", { cause });
    }
    const p = (parsed ?? {}) as Record<string, unknown>;
    // `access_token` is the OAuth2 name, `token` Docker's; servers send either or both (koci needed `token`).
    const token = typeof p.access_token === "string" && p.access_token ? p.access_token : p.token;
    if (typeof token !== "string" || !token) throw new OciError("PROTOCOL", "the token server's answer has no token");
    // The token becomes `Authorization: Bearer <token>`. One with spaces, controls or non-ASCII cannot be a header
    // value: every request would then fail in the transport, as a NETWORK error that looks worth retrying.
    if (!HEADER_SAFE_TOKEN.test(token)) {
      throw new OciError("PROTOCOL", "the token server's token has characters a header cannot carry");
    }
    const expiresIn =
      typeof p.expires_in === "number" && Number.isFinite(p.expires_in) && p.expires_in > 0
        ? p.expires_in
        : DEFAULT_EXPIRES_IN;
    return { token, expiresIn };
  }
}

/** Whether two answers are the same credentials (a provider asked again may answer what was just refused). */
function sameCredentials(a: Credentials, b: Credentials): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function authority(known: { realm: string; service: string | undefined }): string {
  return `${known.realm} ${known.service ?? ""}`;
}
