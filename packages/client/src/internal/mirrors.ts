// A registry's mirrors (`RegistryOptions.mirrors`), checked once when the registry is made, each with its own HTTP:
// its own origin, its own credentials. A mirror never receives the registry's credentials: it is anonymous unless
// it has its own `auth`, or the registry's auth is a credential provider, which is then asked with the mirror's host.
// The registry's extra headers stay with the registry too; its minimum throughput applies to its mirrors. How pulls use mirrors is internal/pull/sources.ts.
import { DOCKER_HUB, DOCKER_HUB_API_HOST, OciError } from "@toci/spec-types";
import type { Auth } from "../auth.js";
import type { MirrorOptions } from "../options.js";
import type { RegistryHttp } from "./http.js";
import type { HttpPool } from "./http-pool.js";
import type { LowSpeed } from "./low-speed.js";
import { registryBase } from "./url.js";

/** The HTTP of each mirror, in order. Throws INVALID_ARGUMENT for a mirror that cannot be one. */
export function mirrorHttps(
  pool: HttpPool,
  registry: { base: URL; auth: Auth; mirrors: readonly (string | MirrorOptions)[] | undefined; lowSpeed: LowSpeed },
): RegistryHttp[] {
  const { mirrors = [] } = registry;
  if (!Array.isArray(mirrors)) throw new OciError("INVALID_ARGUMENT", "mirrors must be a list");
  return mirrors.map((entry: unknown, i) => {
    const mirror = typeof entry === "string" ? { url: entry } : (entry as MirrorOptions | null);
    if (typeof mirror?.url !== "string") {
      throw new OciError("INVALID_ARGUMENT", `mirrors[${i}] must be a URL or { url, … }`);
    }
    const base = registryBase(mirror.url, { plainHttp: mirror.plainHttp });
    if (base.href === registry.base.href) {
      throw new OciError("INVALID_ARGUMENT", `mirrors[${i}] is the registry itself (${base.origin})`);
    }
    return pool.get({
      base,
      auth: mirror.auth ?? (typeof registry.auth === "function" ? registry.auth : { type: "anonymous" }),
      host: base.host === DOCKER_HUB_API_HOST ? DOCKER_HUB : base.host,
      allowInsecureCredentials: mirror.allowInsecureCredentials === true,
      headers: {},
      lowSpeed: registry.lowSpeed,
    });
  });
}
