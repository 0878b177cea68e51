// `toci relay`: @toci/relay's CORS relay served on a local port, so that pages on the listed origins reach the
// listed registries. It listens on loopback unless --public says otherwise (anyone who reaches the port can use
// the upstreams: `Origin` is a browser's promise, not a program's), lends the docker config's credentials only with
// --lend-credentials, prints where it listens, and stops cleanly (exit 0) on SIGINT or SIGTERM.
import type { RelayOptions, UpstreamCredentials, UpstreamOptions } from "@toci/relay";
import { isLoopbackHost, isOciError, OciError } from "@toci/spec-types";
import type { NodeTransportOptions } from "@toci/transport-node";
import { loadConfig } from "../config/config-file.js";
import { readCaFile, transportOptions } from "../config/network.js";
import type { GlobalOptions } from "../context.js";
import { dockerCredentials } from "../credentials.js";
import { UsageError } from "../errors.js";
import type { Run } from "../run.js";
import { transportFetch } from "./relay-fetch.js";

export interface RelayFlags extends GlobalOptions {
  insecure?: boolean;
  caFile?: string;
  /** --proxy URL, or false for --no-proxy; undefined: the environment's. */
  proxy?: string | false;
  listen: string;
  upstream: string[];
  allowOrigin: string[];
  allowNoOrigin?: boolean;
  public?: boolean;
  publicUrl?: string;
  host?: string[];
  lendCredentials?: boolean;
}

/** Docker Hub's API host: `docker.io` names the registry, this host serves it. */
const DOCKER_HUB_API = "https://registry-1.docker.io";
/**
 * How long a registry's lent credentials are reused before the docker config (or its credential helper, a process
 * per lookup) is asked again: a `docker login` while the relay runs takes effect within this time.
 */
const CREDENTIALS_TTL_MS = 60_000;

/** `host:port` or `[v6]:port`; the port may be 0 (a free one, printed). */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new UsageError(`--listen takes host:port, got ${JSON.stringify(text)}`);
  return { host: match[1] ?? match[2]!, port };
}

/**
 * `[name=]url[,origin...]`: a registry (`https://ghcr.io`, or a host as other commands take it: loopback hosts
 * over plain HTTP, others over HTTPS; `docker.io` is Docker Hub), the path segment that names it in the relay's
 * URLs, and its other origins on private addresses or plain HTTP (a local token server, blob storage); one given
 * with a path (`http://127.0.0.1:5002/token`) is also a token realm of the upstream.
 */
export function parseUpstream(text: string): UpstreamOptions & { host: string } {
  const named = /^([A-Za-z0-9][A-Za-z0-9._:-]*)=(.+)$/.exec(text);
  const [where = "", ...origins] = (named ? named[2]! : text).split(",");
  let url = where.trim();
  let name = named?.[1];
  if (url === "docker.io" || url === "index.docker.io") {
    name ??= "docker.io";
    url = DOCKER_HUB_API;
  } else if (!/^https?:\/\//i.test(url)) {
    // The host as a URL reads it: `[::1]:5001` is the IPv6 loopback, not a host named "[".
    let host = "";
    try {
      host = new URL(`http://${url}`).hostname;
    } catch {
      // not a host: reported below
    }
    url = `${isLoopbackHost(host) ? "http" : "https"}://${url}`;
  }
  let host: string;
  try {
    host = new URL(url).host;
  } catch {
    throw new UsageError(`--upstream takes [name=]url[,origin...], got ${JSON.stringify(text)}`);
  }
  // An origin with a path names a token realm too (for an upstream whose /v2/ does not announce it).
  const extra = origins.map((o) => o.trim()).filter(Boolean);
  const realms = extra.filter((o) => /^https?:\/\/[^/]+\/./i.test(o));
  return { url, host, origins: extra, ...(realms.length > 0 ? { realms } : {}), ...(name ? { name } : {}) };
}

/** The docker config's credentials for a registry, looked up again after {@link CREDENTIALS_TTL_MS}. */
function lentCredentials(host: string): () => Promise<UpstreamCredentials | undefined> {
  let cached: { at: number; value: Promise<UpstreamCredentials | undefined> } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > CREDENTIALS_TTL_MS) {
      const value = dockerCredentials(host);
      cached = { at: Date.now(), value };
      value.catch(() => {
        cached = undefined; // a failing helper is asked again next time
      });
    }
    return cached.value;
  };
}

/** relay() with what it refuses in its options (an origin that is not one, a bad upstream name) a usage error. */
function makeRelay(make: typeof import("@toci/relay").relay, options: RelayOptions): ReturnType<typeof make> {
  try {
    return make(options);
  } catch (error) {
    if (isOciError(error) && error.code === "INVALID_ARGUMENT") throw new UsageError(error.message);
    throw error;
  }
}

/**
 * How the relay reaches its upstreams, as every other command reaches registries: the proxy of --proxy, --no-proxy
 * or the environment; --ca-file and --insecure for all; the configuration file's TLS per registry.
 */
async function upstreamNetwork(run: Run, flags: RelayFlags): Promise<NodeTransportOptions> {
  if (flags.insecure) run.out.warn("--insecure: the upstreams' TLS certificates are NOT verified");
  const ca = await readCaFile(flags.caFile);
  const options = await transportOptions({ insecure: flags.insecure, ca, proxy: flags.proxy }, await loadConfig());
  for (const [origin, entry] of Object.entries(options.tls ?? {})) {
    if (entry.insecure && !flags.insecure) {
      run.out.warn(
        `the configuration file skips TLS verification for ${origin}: NOT verified through the relay either`,
      );
    }
  }
  return options;
}

export async function relayCommand(run: Run, flags: RelayFlags): Promise<void> {
  const { host, port } = parseListen(flags.listen);
  if (!isLoopbackHost(host) && !flags.public) {
    throw new UsageError(
      `--listen ${flags.listen} is not a loopback address: anyone who reaches it could use the upstreams through the relay (pass --public if that is what you want)`,
    );
  }
  if (flags.upstream.length === 0) throw new UsageError("give at least one --upstream");
  if (flags.allowOrigin.length === 0 && !flags.allowNoOrigin) throw new UsageError("give at least one --allow-origin");
  const upstreams = flags.upstream.map(parseUpstream);
  const lending: string[] = [];
  if (flags.lendCredentials) {
    for (const upstream of upstreams) {
      const credentials = lentCredentials(upstream.host);
      // Read once now: a malformed config or a failing helper stops the relay here, not on the first request.
      if (await credentials()) lending.push(upstream.name ?? upstream.host);
      upstream.credentials = credentials;
    }
  }
  const [{ relay }, { serve }, { nodeTransport }] = await Promise.all([
    import("@toci/relay"),
    import("@toci/relay/node"),
    import("@toci/transport-node"),
  ]);
  // No timeout until the headers (an upload through the relay takes as long as its blob) and no retries (the
  // relay's client has its own); proxies and TLS as every command has them.
  const transport = nodeTransport({ ...(await upstreamNetwork(run, flags)), timeout: 0, retry: false });
  const log = !run.out.json || run.out.debugging;
  const handler = makeRelay(relay, {
    upstreams: upstreams.map(({ host: _, ...upstream }) => upstream),
    allowOrigins: flags.allowOrigin,
    allowNoOrigin: flags.allowNoOrigin === true,
    ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
    ...(flags.host ? { hosts: flags.host } : {}),
    fetch: transportFetch(transport),
    log: (e) => log && run.out.note(`relay: ${e.type} ${e.status} ${e.method} ${e.url}: ${e.reason}`),
  });
  const server = await serve(handler, { host, port }).catch((error: NodeJS.ErrnoException) => {
    throw new OciError("NETWORK", `cannot listen on ${flags.listen}: ${error.code ?? error.message}`, { cause: error });
  });
  const base = (flags.publicUrl ?? server.url).replace(/\/+$/, "");
  const names = upstreams.map((u) => u.name ?? u.host);
  run.interruptNote?.("\nrelay: stopping\n");
  run.out.result({ url: server.url, upstreams: names.map((name) => ({ name, url: `${base}/${name}` })), lending }, []);
  if (!run.out.json) {
    // One write: a program reading stderr for the URL gets the upstreams with it.
    const lines = names.map((n) => `  ${base}/${n}${lending.includes(n) ? "  (lending docker credentials)" : ""}`);
    run.out.note([`relay listening on ${server.url} (Ctrl-C to stop)`, ...lines]);
  }
  await new Promise<void>((resolve) => {
    if (run.signal.aborted) resolve();
    else run.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await server.close();
}
