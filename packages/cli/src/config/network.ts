// How the command reaches registries, from its flags and the configuration file: the transport's proxy and TLS
// settings per origin, and each registry's scheme and mirrors. Flags speak for the registry a command names
// (--plain-http, --ca-file, --insecure) and for the proxy (--proxy, --no-proxy); the file speaks per host. A
// mirror is reached with its own entry's settings and its own docker credentials, never the registry's flags.
import { readFile } from "node:fs/promises";
import type { Auth, MirrorOptions } from "@toci/client";
import { DOCKER_HUB, DOCKER_HUB_API_HOST, isOciError, OciError } from "@toci/spec-types";
import type { NodeTransportOptions, TlsOptions } from "@toci/transport-node";
import { UsageError } from "../errors.js";
import { type MirrorConfig, type RegistryConfig, registryName, type TociConfig } from "./config-schema.js";
import { readCapped } from "./read-capped.js";

/** The flags that decide how registries are reached. */
export interface NetworkFlags {
  plainHttp?: boolean;
  insecure?: boolean;
  /** The PEM text of --ca-file, already read. */
  ca?: string;
  /** --proxy URL, or false for --no-proxy. */
  proxy?: string | false;
}

/** A PEM file is a few KiB; a chain a few more. Anything larger is not one. */
const MAX_PEM_BYTES = 1024 * 1024;

/**
 * The transport's options: --proxy (with NO_PROXY still applying, as curl's -x does) or --no-proxy, else the
 * environment's proxy; --ca-file and --insecure for every origin; each configured registry's TLS for its origin,
 * on top of the flags.
 */
export async function transportOptions(
  flags: NetworkFlags,
  config: TociConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NodeTransportOptions> {
  const options: NodeTransportOptions = {};
  if (flags.insecure) options.insecure = true;
  if (flags.ca !== undefined) options.ca = flags.ca;
  if (flags.proxy === false) options.proxy = false;
  else if (flags.proxy !== undefined) {
    const proxy = checkedProxy(flags.proxy);
    options.proxy = { http: proxy, https: proxy, noProxy: env["NO_PROXY"] || env["no_proxy"] || "" };
  }
  const tls: Record<string, TlsOptions> = {};
  for (const [host, entry] of config.registries) {
    if (!hasTls(entry)) continue;
    const ca = await Promise.all(
      entry.ca.map((file, i) => pem(file, `${entry.where}.ca${entry.ca.length > 1 ? `[${i}]` : ""}`)),
    );
    tls[`https://${apiHost(host)}`] = {
      ca: [...(flags.ca === undefined ? [] : [flags.ca]), ...ca],
      insecure: flags.insecure === true || entry.insecure,
      ...(entry.cert && entry.key
        ? { cert: await pem(entry.cert, `${entry.where}.cert`), key: await pem(entry.key, `${entry.where}.key`) }
        : {}),
    };
  }
  if (Object.keys(tls).length > 0) options.tls = tls;
  return options;
}

/** The PEM text of `--ca-file`, read once per command; a file that cannot be read is a usage error. */
export async function readCaFile(file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined;
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read --ca-file ${file}: ${(error as Error).message}`);
  }
}

/** How `client.registry()` is called for a registry: its URL, scheme options and mirrors. */
export interface RegistryPlan {
  url: string;
  plainHttp: boolean;
  allowInsecureCredentials: boolean;
  mirrors: MirrorOptions[];
  /** What to warn about (TLS verification skipped by the file). */
  warnings: string[];
}

/**
 * The plan for a registry named `host`: --plain-http, `http://` or the file's `plainHttp` mean HTTP (and credentials
 * may go there: the user said so); --ca-file, --insecure, `https://` or TLS settings in the file mean HTTPS even on
 * loopback; otherwise the client's default (HTTP for loopback, HTTPS elsewhere). Mirrors from the file, each with
 * `mirrorAuth` (docker's credentials for the mirror's own host).
 */
export function registryPlan(
  host: string,
  scheme: "http" | "https" | undefined,
  context: { flags: NetworkFlags; config: TociConfig; mirrorAuth: Auth },
): RegistryPlan {
  const { flags, config } = context;
  const entry = config.registries.get(registryName(host.toLowerCase()));
  const plain = flags.plainHttp === true || scheme === "http" || (scheme === undefined && entry?.plainHttp === true);
  const tls = !plain && (scheme === "https" || flags.insecure === true || flags.ca !== undefined || hasTls(entry));
  const warnings = entry?.insecure ? [insecureWarning(entry, host)] : [];
  const mirrors = (entry?.mirrors ?? []).map((mirror) => {
    const own = config.registries.get(mirrorHost(mirror));
    if (own?.insecure) warnings.push(insecureWarning(own, mirror.host));
    return mirrorOption(mirror, own, context.mirrorAuth);
  });
  return { url: tls ? `https://${host}` : host, plainHttp: plain, allowInsecureCredentials: plain, mirrors, warnings };
}

function mirrorOption(mirror: MirrorConfig, own: RegistryConfig | undefined, auth: Auth): MirrorOptions {
  const plain = mirror.scheme === "http" || (mirror.scheme === undefined && own?.plainHttp === true);
  const tls = mirror.scheme === undefined && !plain && hasTls(own);
  return {
    url: tls ? `https://${mirror.url}` : mirror.url,
    auth,
    plainHttp: plain,
    allowInsecureCredentials: plain,
  };
}

function insecureWarning(entry: RegistryConfig, host: string): string {
  return `${entry.where}.insecure: TLS certificates of ${host} are NOT verified; anyone on the network path can read and alter this traffic`;
}

function hasTls(entry: RegistryConfig | undefined): boolean {
  return !!entry && (entry.insecure || entry.ca.length > 0 || entry.cert !== undefined);
}

/** The host serving a registry's API (Docker Hub's is registry-1.docker.io), whose origin the TLS settings key. */
function apiHost(host: string): string {
  return host === DOCKER_HUB ? DOCKER_HUB_API_HOST : host;
}

function mirrorHost(mirror: MirrorConfig): string {
  return registryName(mirror.host.toLowerCase());
}

/** --proxy's URL: http:// only (what the transport speaks to), `host:port` meaning http://host:port. */
function checkedProxy(value: string): string {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--proxy: not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:")
    throw new UsageError(`--proxy: only http:// proxies are supported, not ${url.protocol}//`);
  return text;
}

/** A PEM file's text, read with a cap; an error names the configuration field. */
async function pem(file: string, field: string): Promise<string> {
  let text: string;
  try {
    text = await readCapped(file, MAX_PEM_BYTES, field);
  } catch (error) {
    if (isOciError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new OciError("INVALID_ARGUMENT", `${field}: cannot read ${file} (${code})`, { cause: error });
  }
  if (!text.includes("-----BEGIN ")) throw new OciError("INVALID_ARGUMENT", `${field}: ${file} is not a PEM file`);
  return text;
}
