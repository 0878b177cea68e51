// How docker config.json keys name registries. Docker writes Docker Hub as `https://index.docker.io/v1/` and other
// registries as `host[:port]`, but keys written by older clients and other tools carry schemes and paths
// (`https://ghcr.io`, `host/v2/`), so keys are compared by the host they name, as oras-go and regclient do.

/** The key Docker itself uses for Docker Hub in config.json and with credential helpers. */
export const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

/** Every name Docker Hub goes by; all of them mean `docker.io`. */
const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

/**
 * The registry a config.json key or a registry name names: its `host[:port]`, lower-cased, without scheme or path
 * (docker's `ConvertToHostname`, case-insensitive); every spelling of Docker Hub becomes `docker.io`.
 */
export function registryHost(keyOrName: string): string {
  let host = keyOrName.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  host = host.split("/")[0]!.toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? "docker.io" : host;
}

/** The key a registry's credentials are stored under (and credential helpers are asked for): Docker's own. */
export function registryKey(registry: string): string {
  const host = registryHost(registry);
  return host === "docker.io" ? DOCKER_HUB_KEY : host;
}
