// Registry URLs: where the API of a registry lives, and which hosts are loopback (plain HTTP by default there,
// and where credentials may travel without TLS).
import { DOCKER_HUB, DOCKER_HUB_API_HOST, isLoopbackHost, OciError } from "@toci/spec-types";

export { isLoopbackHost };

/**
 * The base URL of a registry's API from what a user typed: `https://ghcr.io`, `ghcr.io`, `localhost:5000`,
 * `http://host/prefix`. Without a scheme, loopback hosts get http and everything else https. Docker Hub's names
 * map to the host that serves its API. The result ends with a `/` and keeps any path prefix.
 */
export function registryBase(input: string, options: { plainHttp?: boolean } = {}): URL {
  let text = input.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const host = text.split("/")[0] ?? "";
    const hostname = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]!;
    const scheme = options.plainHttp || isLoopbackHost(hostname) ? "http" : "https";
    text = `${scheme}://${text}`;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new OciError("INVALID_ARGUMENT", `invalid registry URL ${JSON.stringify(input)}`, { cause });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OciError("INVALID_ARGUMENT", `a registry URL must be http or https: ${JSON.stringify(input)}`);
  }
  if (url.username || url.password) {
    throw new OciError("INVALID_ARGUMENT", "put credentials in the auth option, not in the registry URL");
  }
  if (options.plainHttp) url.protocol = "http:";
  if (url.hostname === DOCKER_HUB || url.hostname === "index.docker.io") url.hostname = DOCKER_HUB_API_HOST;
  url.search = "";
  url.hash = "";
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/** Whether two URLs share an origin: scheme, host AND port (another port on the same host is another origin). */
export function sameOrigin(a: string | URL, b: string | URL): boolean {
  return new URL(a).origin === new URL(b).origin;
}

/**
 * Whether a URL the registry gave us (an upload Location, a pagination Link) is on the registry's own origin,
 * where credentials go, yet outside its API root (`/v2/`, or `/prefix/v2/`): following it would aim the
 * credentials at another application on the same host (`/admin/…`, or `..` segments climbing out of `/v2/`).
 */
export function escapesApi(url: URL, base: URL): boolean {
  const root = new URL("v2/", base.href.endsWith("/") ? base.href : `${base.href}/`).pathname;
  return url.origin === base.origin && !url.pathname.startsWith(root);
}
