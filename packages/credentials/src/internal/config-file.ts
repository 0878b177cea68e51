// docker's config.json read as docker, oras and crane read it, from hands that may be careless or hostile: the file's
// own shape (a JSON object; `auths`, `credsStore`, `credHelpers` of the right types) is checked on every read and a
// wrong one is refused naming the file, as oras and crane do; an `auths` or `credHelpers` entry is checked only when
// it is the one looked up (as oras-go does), so that another registry's broken entry never breaks this one. No
// message carries a secret or a piece of the file's text: only the file's path, the keys, and what is wrong.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { isOciError, OciError } from "@toci/spec-types";
import type { Credentials } from "../credentials.js";
import { registryHost, registryKey } from "../registry-key.js";

/** config.json larger than this is refused unread: Docker's own is a few KiB, and a runaway file must not be loaded. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
/** `auth` is standard base64 (Go's StdEncoding, what Docker writes); padding is not insisted on. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/**
 * What a helper name may be: it becomes part of a program name looked up on PATH, so no path separator (docker
 * would run `docker-credential-../../x` relative to the working directory) and nothing a shell or a terminal
 * would read differently.
 */
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The parts of config.json this package reads; every other field is kept as it is when the file is written. */
export interface DockerConfig {
  auths?: Record<string, unknown>;
  credsStore?: string;
  credHelpers?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The file, parsed and shape-checked; a missing, empty or `null` file is an empty config (as for docker and oras). */
export async function readConfig(path: string): Promise<DockerConfig> {
  const text = await readBounded(path);
  if (text === undefined || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not the SyntaxError as cause: V8 quotes the text around the error, and the text holds secrets.
    throw new OciError("INVALID_ARGUMENT", `${path} is not valid JSON`);
  }
  if (value === null) return {};
  if (!isObject(value)) throw malformed(path, "is not a JSON object");
  // `null` fields are absent ones, as Go's decoder has them.
  if (value.auths != null && !isObject(value.auths)) throw malformed(path, "has an `auths` that is not an object");
  if (value.credsStore != null && typeof value.credsStore !== "string") {
    throw malformed(path, "has a `credsStore` that is not a string");
  }
  if (value.credHelpers != null && !isObject(value.credHelpers)) {
    throw malformed(path, "has a `credHelpers` that is not an object of strings");
  }
  return value as DockerConfig;
}

/**
 * The file's text, or undefined when there is none. Refused unread past {@link MAX_CONFIG_BYTES}, and when it is not
 * a regular file: a FIFO would block the read forever, `/dev/zero` would never end (opened non-blocking, so that
 * opening a FIFO does not wait for a writer either).
 */
async function readBounded(path: string): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new OciError("STORE", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw malformed(path, "is not a regular file");
    if (stat.size > MAX_CONFIG_BYTES) {
      throw new OciError("TOO_LARGE", `${path} is ${stat.size} bytes, over the ${MAX_CONFIG_BYTES}-byte limit`, {
        detail: { size: stat.size, limit: MAX_CONFIG_BYTES },
      });
    }
    return await handle.readFile("utf8");
  } catch (error) {
    if (isOciError(error)) throw error;
    throw new OciError("STORE", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    await handle.close();
  }
}

/**
 * The credential helper that holds a host's credentials, or undefined for the file: `credHelpers[host]` (any key
 * spelling) beats `credsStore`; an empty `credHelpers` entry means the file, as in docker.
 */
export function helperFor(path: string, config: DockerConfig, host: string): string | undefined {
  for (const [key, helper] of Object.entries(config.credHelpers ?? {})) {
    if (registryHost(key) !== host) continue;
    const where = `${path}: credHelpers[${keyText(key)}]`;
    if (helper == null || helper === "") return undefined;
    if (typeof helper !== "string") throw malformed(where, "is not a string (a `credHelpers` entry names a helper)");
    return checkedName(where, helper);
  }
  return config.credsStore ? checkedName(`${path}: credsStore`, config.credsStore) : undefined;
}

function checkedName(where: string, name: string): string {
  if (!HELPER_NAME.test(name)) throw malformed(where, "is not a credential helper name (letters, digits, . _ -)");
  return name;
}

/** The `auths` entry for a host and its key, or undefined. */
export function entryFor(config: DockerConfig, host: string): { key: string; entry: unknown } | undefined {
  const auths = config.auths ?? {};
  // An exact key first (Docker writes one), then any spelling of the same host. Own keys only: a host named
  // `constructor` must not find Object.prototype's.
  const exact = registryKey(host);
  if (Object.hasOwn(auths, exact)) return { key: exact, entry: auths[exact] };
  for (const [key, entry] of Object.entries(auths)) if (registryHost(key) === host) return { key, entry };
  return undefined;
}

/**
 * The credentials of an `auths` entry, or undefined when it holds none; throws INVALID_ARGUMENT naming the file and
 * the key when it is malformed. `registrytoken` beats `identitytoken` beats `auth` beats `username`/`password`, the
 * order in which moby's registry client uses them.
 */
export function credentialsOfEntry(path: string, key: string, entry: unknown): Credentials | undefined {
  const where = `${path}: auths[${keyText(key)}]`;
  if (entry == null) return undefined;
  if (!isObject(entry)) throw malformed(where, "is not an object");
  for (const field of ["auth", "identitytoken", "registrytoken", "username", "password"]) {
    if (entry[field] != null && typeof entry[field] !== "string") {
      throw malformed(`${where}.${field}`, "is not a string");
    }
  }
  const { auth, identitytoken, registrytoken, username, password } = entry as Record<string, string | undefined>;
  if (registrytoken) return { type: "bearer", token: registrytoken };
  if (identitytoken) return { type: "refresh-token", refreshToken: identitytoken };
  if (auth) {
    const encoded = auth.trim();
    const decoded =
      BASE64.test(encoded) && encoded.length % 4 !== 1 ? Buffer.from(encoded, "base64").toString("utf8") : "";
    const colon = decoded.indexOf(":");
    if (colon <= 0) throw malformed(`${where}.auth`, 'is not the base64 of "username:password"');
    // Docker trims NUL padding off the password (configfile.decodeAuth).
    const secret = decoded.slice(colon + 1).replace(/^\0+|\0+$/g, "");
    return { type: "basic", username: decoded.slice(0, colon), password: secret };
  }
  if (username && password) return { type: "basic", username, password };
  return undefined;
}

export function malformed(where: string, what: string): OciError {
  return new OciError("INVALID_ARGUMENT", `${where} ${what}`);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A config.json key for a message: quoted, user info hidden, cut short (keys are whatever the file says, and a key
 * spelled `https://user:password@host` must not print its password).
 */
function keyText(key: string): string {
  const shown = key.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, "$1…@");
  return JSON.stringify(shown.length > 100 ? `${shown.slice(0, 100)}…` : shown);
}
