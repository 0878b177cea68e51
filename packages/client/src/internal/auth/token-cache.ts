// Tokens per (realm, service, scope set), with expiry and one in-flight request per key (docs/architecture.md §4,
// after oras-go's auth cache): a pull of 200 layers in parallel asks the token server once, not 200 times. koci
// cached tokens forever and could never recover from an expired one.
import { scopesCover } from "./scope.js";

interface Entry {
  scopes: string[];
  token: string;
  /** When to stop using the token (ms since the epoch), a safety margin before it really expires. */
  expiresAt: number;
}

export class TokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<string>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A live token whose scopes cover `scopes`, for this realm and service. */
  get(authority: string, scopes: readonly string[]): string | undefined {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#entries.delete(key);
        continue;
      }
      if (key.startsWith(`${authority}\n`) && scopesCover(entry.scopes, scopes)) return entry.token;
    }
    return undefined;
  }

  /** Stores a token granted for `scopes`, valid for `expiresInSeconds`. */
  set(authority: string, scopes: readonly string[], token: string, expiresInSeconds: number): void {
    // Refresh a little early: 10% of the lifetime, at most 30 s, so a token never expires mid-request.
    const margin = Math.min(30, expiresInSeconds * 0.1);
    this.#entries.set(`${authority}\n${scopes.join(" ")}`, {
      scopes: [...scopes],
      token,
      expiresAt: this.#now() + (expiresInSeconds - margin) * 1000,
    });
  }

  /** Forgets a token the registry refused (expired early, revoked). */
  invalidate(token: string): void {
    for (const [key, entry] of this.#entries) if (entry.token === token) this.#entries.delete(key);
  }

  /** Whether this cache handed out `token` (live or expired, while it is still held). */
  issued(token: string): boolean {
    for (const entry of this.#entries.values()) if (entry.token === token) return true;
    return false;
  }

  /** Runs `fetch` once per key at a time: concurrent callers share the same request. */
  async singleFlight(authority: string, scopes: readonly string[], fetch: () => Promise<string>): Promise<string> {
    const key = `${authority}\n${scopes.join(" ")}`;
    const running = this.#inflight.get(key);
    if (running) return running;
    const promise = fetch().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    return promise;
  }
}
