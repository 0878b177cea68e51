// The shape of toci's configuration file, checked field by field (config.schema.json says the same for editors):
//
//   { "registries": { "<host[:port]>": { "mirrors": [...], "plainHttp": bool, "insecure": bool,
//                                         "ca": path | [path...], "cert": path, "key": path } } }
//
// Unknown fields are errors (a typo such as "mirror" must not be silently ignored), as are contradictions (TLS
// settings on a plain HTTP registry, a certificate without its key). Paths are absolute, `~/…`, or relative to the
// file's directory. Docker Hub's names (`index.docker.io`, `registry-1.docker.io`) are `docker.io`.
import { isAbsolute, join, resolve } from "node:path";
import { DOCKER_HUB, DOCKER_HUB_API_HOST, normalizeRegistry, OciError, parseReference } from "@toci/spec-types";

/** A mirror as the file names it. */
export interface MirrorConfig {
  /** As written: `https://mirror.example`, `mirror.example:5000`, `http://10.0.0.5/prefix`. */
  url: string;
  /** Its `host[:port]`, where its own settings are looked up. */
  host: string;
  /** The scheme it was written with, if any. */
  scheme: "http" | "https" | undefined;
}

/** The settings of one registry. */
export interface RegistryConfig {
  mirrors: MirrorConfig[];
  plainHttp: boolean;
  insecure: boolean;
  /** Absolute paths of extra CA certificates (PEM). */
  ca: string[];
  /** Absolute paths of a client certificate and its key (PEM), or neither. */
  cert: string | undefined;
  key: string | undefined;
  /** `<file>: registries["host"]`, to name the entry in messages. */
  where: string;
}

/** The checked configuration. */
export interface TociConfig {
  /** The file it came from; undefined when there is none. */
  file: string | undefined;
  /** Settings by registry `host[:port]` (`docker.io` for Docker Hub). */
  registries: ReadonlyMap<string, RegistryConfig>;
}

/**
 * A registry's host[:port] as references name it (the domain and port of
 * https://github.com/distribution/reference/blob/main/regexp.go, IPv6 in brackets); config.schema.json holds the
 * same patterns, so an editor refuses what the command refuses.
 */
export const HOST_PATTERN =
  "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]+)?";
/** A mirror: host[:port] with an optional http:// or https:// (any case) and path, no credentials, query or fragment. */
export const MIRROR_PATTERN = `^(?:[Hh][Tt][Tt][Pp][Ss]?://)?${HOST_PATTERN}(?:/[^?#\\s]*)?$`;
const MIRROR = new RegExp(MIRROR_PATTERN);

const TOP_FIELDS = ["$schema", "registries"];
const REGISTRY_FIELDS = ["mirrors", "plainHttp", "insecure", "ca", "cert", "key"];

interface Where {
  file: string;
  /** The file's directory, for relative paths. */
  dir: string;
  home: string;
}

/** Checks a parsed configuration; throws INVALID_ARGUMENT naming the file and the field. */
export function checkConfig(value: unknown, where: Where): TociConfig {
  const fail = (field: string, message: string): never => {
    throw new OciError("INVALID_ARGUMENT", `${where.file}: ${field ? `${field}: ` : ""}${message}`);
  };
  const top = object(value, "", fail);
  unknownFields(top, TOP_FIELDS, "", fail);
  if (top["$schema"] !== undefined && typeof top["$schema"] !== "string") fail("$schema", "expected a string");
  const registries = new Map<string, RegistryConfig>();
  const entries = top["registries"] === undefined ? {} : object(top["registries"], "registries", fail);
  for (const [key, entry] of Object.entries(entries)) {
    const field = `registries[${JSON.stringify(key)}]`;
    const host = registryHost(key, (message) => fail(field, message));
    if (registries.has(host)) fail(field, `${host} is named twice`);
    registries.set(host, checkRegistry(entry, { ...where, field }, fail));
  }
  return { file: where.file, registries };
}

/** One registry's entry. */
function checkRegistry(
  value: unknown,
  where: Where & { field: string },
  fail: (field: string, message: string) => never,
): RegistryConfig {
  const { field } = where;
  const entry = object(value, field, fail);
  unknownFields(entry, REGISTRY_FIELDS, field, fail);
  const flag = (name: string): boolean => {
    const v = entry[name];
    if (v !== undefined && typeof v !== "boolean") fail(`${field}.${name}`, `expected true or false, got ${kind(v)}`);
    return v === true;
  };
  const path = (v: unknown, at: string): string => {
    if (typeof v !== "string" || v === "") return fail(at, `expected a file path, got ${kind(v)}`);
    if (v.startsWith("~/")) return join(where.home, v.slice(2));
    return isAbsolute(v) ? v : resolve(where.dir, v);
  };
  const ca = entry["ca"] === undefined ? [] : Array.isArray(entry["ca"]) ? entry["ca"] : [entry["ca"]];
  const config: RegistryConfig = {
    mirrors: checkMirrors(entry["mirrors"], `${field}.mirrors`, fail),
    plainHttp: flag("plainHttp"),
    insecure: flag("insecure"),
    ca: ca.map((v, i) => path(v, Array.isArray(entry["ca"]) ? `${field}.ca[${i}]` : `${field}.ca`)),
    cert: entry["cert"] === undefined ? undefined : path(entry["cert"], `${field}.cert`),
    key: entry["key"] === undefined ? undefined : path(entry["key"], `${field}.key`),
    where: `${where.file}: ${field}`,
  };
  if ((config.cert === undefined) !== (config.key === undefined)) {
    fail(field, "a client certificate needs both cert and key");
  }
  if (config.plainHttp && (config.insecure || config.ca.length > 0 || config.cert !== undefined)) {
    fail(field, "plainHttp with TLS settings (ca, cert, key, insecure): choose one");
  }
  return config;
}

function checkMirrors(value: unknown, field: string, fail: (field: string, message: string) => never): MirrorConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(field, `expected a list of URLs, got ${kind(value)}`);
  // Messages never quote the value: it may be long, or hold a password in a URL that failed to parse.
  return value.map((v: unknown, i) => {
    const at = `${field}[${i}]`;
    if (typeof v !== "string") return fail(at, `expected a URL or host[:port], got ${kind(v)}`);
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(v)?.[1]?.toLowerCase();
    let url: URL;
    try {
      url = new URL(scheme ? v : `https://${v}`);
    } catch {
      return fail(at, "not a URL or host[:port]");
    }
    if (scheme !== undefined && scheme !== "http" && scheme !== "https") fail(at, "a mirror is http:// or https://");
    if (url.username || url.password) fail(at, "credentials do not go in a URL: toci takes them from docker config");
    if (url.search || url.hash) fail(at, "a mirror URL has no query or fragment");
    if (!MIRROR.test(v)) fail(at, "not a URL or host[:port]");
    return { url: v, host: url.host, scheme: scheme as MirrorConfig["scheme"] };
  });
}

/** A registry key as `host[:port]`, Docker Hub's names as `docker.io`. */
function registryHost(key: string, fail: (message: string) => never): string {
  const host = key.toLowerCase();
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(host) || host.includes("/")) {
    return fail("a registry is named host[:port], without a scheme or a path");
  }
  try {
    parseReference(`${host}/x`, { defaultRegistry: false });
  } catch {
    return fail("not a registry host[:port]");
  }
  return registryName(host);
}

/** A lower-case host as settings are keyed: Docker Hub's (`index.docker.io`, its API's `registry-1.docker.io`) as `docker.io`. */
export function registryName(host: string): string {
  return host === DOCKER_HUB_API_HOST ? DOCKER_HUB : normalizeRegistry(host);
}

function object(value: unknown, field: string, fail: (field: string, message: string) => never) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail(field, `expected an object, got ${kind(value)}`);
  }
  return value as Record<string, unknown>;
}

function unknownFields(
  value: Record<string, unknown>,
  known: string[],
  field: string,
  fail: (field: string, message: string) => never,
): void {
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) {
      fail(field, `unknown field ${JSON.stringify(name)} (known: ${known.join(", ")})`);
    }
  }
}

/** What a JSON value is, for messages (never the value itself: it may be long). */
function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : typeof value === "string" ? "a string" : `a ${typeof value}`;
}
