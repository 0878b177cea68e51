// The token realms each upstream announced. A realm the relay forwards to must be one its upstream named, exactly
// (or one listed in its `realms` option): otherwise `<relay>/<name>/_token/<any URL>` would be an open proxy, with
// credentials. Kept in memory, a few per upstream; an instance that has not seen the challenge (a restart, another
// edge instance) asks the upstream's `/v2/` for it, once per PROBE_EVERY_MS at most.
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

/** The realms seen, per upstream. */
export class Realms {
  readonly #seen = new Map<string, string[]>();
  readonly #probed = new Map<string, number>();

  /** Remembers the Bearer realms of a `WWW-Authenticate` header (absolute URLs only). */
  learn(upstream: Upstream, header: string | null): void {
    if (header === null) return;
    for (const { value } of bearerRealms(header)) {
      const realm = parseRealm(value);
      if (!realm) continue;
      const list = this.#seen.get(upstream.name) ?? [];
      if (list.includes(realm.href)) continue;
      list.push(realm.href);
      if (list.length > MAX_PER_UPSTREAM) list.shift();
      this.#seen.set(upstream.name, list);
    }
  }

  /** Whether an upstream announced this realm, or lists it. */
  knows(upstream: Upstream, realm: URL): boolean {
    return upstream.realms.has(realm.href) || this.#seen.get(upstream.name)?.includes(realm.href) === true;
  }

  /** Whether the upstream's `/v2/` may be asked for its realms now (and notes that it is). */
  mayProbe(upstream: Upstream, now = Date.now()): boolean {
    const last = this.#probed.get(upstream.name);
    if (last !== undefined && now - last < PROBE_EVERY_MS) return false;
    this.#probed.set(upstream.name, now);
    return true;
  }

  /** The probe got no answer: it does not count against the next one. */
  probeFailed(upstream: Upstream): void {
    this.#probed.delete(upstream.name);
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
