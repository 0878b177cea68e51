// The token realms each upstream announced. A realm the relay forwards to must be one its upstream named (its origin
// and path; the query is the client's to add to anyway), or one listed in its `realms` option: otherwise
// `<relay>/<name>/_token/<any URL>` would be an open proxy, with credentials. Kept in memory, a few per upstream; an
// instance that has not seen the challenge (a restart, another edge instance) asks the upstream's `/v2/` for it:
// concurrent token requests share one such probe, and one that was answered is not repeated for PROBE_EVERY_MS.
import type { Upstream } from "../options.js";
import { bearerRealms } from "./challenge.js";

/** Realms remembered per upstream; registries announce one, rarely two. */
const MAX_PER_UPSTREAM = 8;
/**
 * How often an upstream's `/v2/` may be asked for its realms: a relay restarted (or a new edge instance) learns
 * them on the first token request, and a client asking for realms the upstream never named costs it one anonymous
 * request a minute, not one per request.
 */
const PROBE_EVERY_MS = 60_000;
/** After a probe answered 429 or 5xx (the upstream busy, not its answer about realms): a short wait only. */
const PROBE_RETRY_MS = 5_000;

/** A realm's identity: its origin and path. */
const realmKey = (realm: URL) => `${realm.origin}${realm.pathname}`;

/** The realms seen, per upstream. */
export class Realms {
  readonly #seen = new Map<string, string[]>();
  readonly #probes = new Map<string, { until: number; running?: Promise<void> }>();

  /** Remembers the Bearer realms of a `WWW-Authenticate` header (absolute URLs only). */
  learn(upstream: Upstream, header: string | null): void {
    if (header === null) return;
    for (const { value } of bearerRealms(header)) {
      const realm = parseRealm(value);
      if (!realm) continue;
      const list = this.#seen.get(upstream.name) ?? [];
      if (list.includes(realmKey(realm))) continue;
      list.push(realmKey(realm));
      if (list.length > MAX_PER_UPSTREAM) list.shift();
      this.#seen.set(upstream.name, list);
    }
  }

  /** Whether an upstream announced this realm, or lists it. */
  knows(upstream: Upstream, realm: URL): boolean {
    const key = realmKey(realm);
    return upstream.realms.has(key) || this.#seen.get(upstream.name)?.includes(key) === true;
  }

  /**
   * Learns the realms the upstream's `/v2/` names, through `ask` (an anonymous GET): at once, or by waiting for a
   * probe under way, or not at all when one was answered lately. A probe that got no answer counts for nothing.
   */
  probe(upstream: Upstream, ask: () => Promise<Response>): Promise<void> {
    const state = this.#probes.get(upstream.name);
    if (state?.running) return state.running;
    if (state && Date.now() < state.until) return Promise.resolve();
    const running = (async () => {
      try {
        const answer = await ask();
        await answer.body?.cancel();
        this.learn(upstream, answer.headers.get("www-authenticate"));
        const busy = answer.status === 429 || answer.status >= 500;
        this.#probes.set(upstream.name, { until: Date.now() + (busy ? PROBE_RETRY_MS : PROBE_EVERY_MS) });
      } catch (error) {
        this.#probes.delete(upstream.name);
        throw error;
      }
    })();
    this.#probes.set(upstream.name, { until: 0, running });
    return running;
  }
}

/** A realm value as an absolute http(s) URL, or undefined. */
export function parseRealm(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password) return undefined;
  url.hash = "";
  return url;
}
