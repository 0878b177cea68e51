// Where an Authenticator's credentials come from: fixed ones (the `auth` option), or a credential provider's answer,
// asked for lazily and kept only for its life. An answer carries the tokens obtained with it, so that dropping an
// answer the registry refused drops every token it earned too, and a token is never served from credentials that
// are gone. Concurrent requests share one lookup; a refusal is recognised by the header that was refused, so that
// eight requests refused at once with the same token ask the provider once, not eight times.
import { isOciError, OciError } from "@toci/spec-types";
import type { AnonymousAuth, Auth, BasicAuth, BearerAuth, CredentialProvider, RefreshTokenAuth } from "../../auth.js";
import { base64Utf8 } from "../base64.js";
import { TokenCache } from "./token-cache.js";

/** Credentials as the handshake uses them. */
export type Credentials = AnonymousAuth | BasicAuth | BearerAuth | RefreshTokenAuth;

/** One answer: its credentials, until when they hold, and the tokens obtained with them. */
export interface Answer {
  readonly credentials: Credentials;
  /** ms since the epoch; Infinity for fixed credentials and answers without `expiresAt`. */
  readonly expiresAt: number;
  readonly tokens: TokenCache;
}

export class CredentialSource {
  readonly #provider: CredentialProvider | undefined;
  readonly #host: string;
  readonly #now: () => number;
  #answer: Answer | undefined;
  #asking: Promise<Answer> | undefined;

  /** `host` is what a provider is asked with: the registry's `host[:port]` (`docker.io` for Docker Hub). */
  constructor(auth: Auth, host: string, now: () => number = Date.now) {
    this.#host = host;
    this.#now = now;
    if (typeof auth === "function") this.#provider = auth;
    else this.#answer = { credentials: auth, expiresAt: Number.POSITIVE_INFINITY, tokens: new TokenCache(now) };
  }

  /** The fixed credentials, when they are not looked up: what a request may use before any challenge. */
  get fixed(): Credentials | undefined {
    return this.#provider ? undefined : this.#answer?.credentials;
  }

  /** Lookups made so far (for tests and diagnostics). */
  lookups = 0;

  /** The answer in force, asking the provider when there is none or it has expired. */
  async current(signal?: AbortSignal): Promise<Answer> {
    const answer = this.#answer;
    if (answer && answer.expiresAt > this.#now()) return answer;
    this.#asking ??= this.#ask(signal).finally(() => {
      this.#asking = undefined;
    });
    return this.#asking;
  }

  /**
   * The registry refused `header`: the token leaves the cache, and when the answer in force produced the header,
   * the answer is dropped so that the provider is asked again (fixed credentials stay: there is nothing else to
   * ask). A header from an answer already dropped changes nothing: another request saw the refusal first.
   */
  refused(header: string): void {
    const answer = this.#answer;
    if (!answer) return;
    const produced = producedBy(answer, header);
    if (header.startsWith("Bearer ")) answer.tokens.invalidate(header.slice(7));
    if (this.#provider && produced) this.#answer = undefined;
  }

  /**
   * Drops `answer` when it is still the one in force (its token server refused its credentials); resolves whether
   * a new answer may differ (a provider's), so that asking again is worth it.
   */
  drop(answer: Answer): boolean {
    if (!this.#provider) return false;
    if (this.#answer === answer) this.#answer = undefined;
    return true;
  }

  async #ask(signal: AbortSignal | undefined): Promise<Answer> {
    this.lookups++;
    let value: unknown;
    try {
      value = await this.#provider!(this.#host, signal ? { signal } : {});
    } catch (cause) {
      if (isOciError(cause)) throw cause;
      throw new OciError("UNAUTHORIZED", `the credential provider failed for ${this.#host}`, { cause });
    }
    const answer: Answer = {
      credentials: checkAnswer(value, this.#host),
      expiresAt: expiry(value),
      tokens: new TokenCache(this.#now),
    };
    this.#answer = answer;
    return answer;
  }
}

/** The Authorization header Basic credentials make. */
export function basicHeader(credentials: BasicAuth): string {
  return `Basic ${base64Utf8(`${credentials.username}:${credentials.password}`)}`;
}

/** Whether `header` was made from this answer: its Basic credentials, its bearer token, or a token it earned. */
function producedBy(answer: Answer, header: string): boolean {
  const { credentials } = answer;
  if (credentials.type === "basic" && header === basicHeader(credentials)) return true;
  if (!header.startsWith("Bearer ")) return false;
  const token = header.slice(7);
  return (credentials.type === "bearer" && credentials.token === token) || answer.tokens.issued(token);
}

/** A provider's answer, checked: it comes from code we do not control (a config file, a helper's output). */
function checkAnswer(value: unknown, host: string): Credentials {
  if (value === undefined || value === null) return { type: "anonymous" };
  const v = value as Record<string, unknown>;
  const strings = (...names: string[]) => names.every((n) => typeof v[n] === "string");
  const ok =
    typeof value === "object" &&
    ((v.type === "basic" && strings("username", "password")) ||
      (v.type === "bearer" && strings("token") && v.token !== "") ||
      (v.type === "refresh-token" && strings("refreshToken") && v.refreshToken !== "") ||
      v.type === "anonymous");
  if (!ok) {
    // Never the value itself in the message: it may hold a secret.
    throw new OciError(
      "INVALID_ARGUMENT",
      `the credential provider answered something that is not credentials for ${host}`,
    );
  }
  if (v.type === "basic") return { type: "basic", username: v.username as string, password: v.password as string };
  if (v.type === "bearer") return { type: "bearer", token: v.token as string };
  if (v.type === "anonymous") return { type: "anonymous" };
  const clientId = typeof v.clientId === "string" ? { clientId: v.clientId } : {};
  return { type: "refresh-token", refreshToken: v.refreshToken as string, ...clientId };
}

function expiry(value: unknown): number {
  const at = (value as { expiresAt?: unknown } | undefined)?.expiresAt;
  return typeof at === "number" && !Number.isNaN(at) ? at : Number.POSITIVE_INFINITY;
}
