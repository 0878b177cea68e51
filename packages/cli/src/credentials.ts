// Docker's config.json (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`) as oras, crane and skopeo read
// it: `credHelpers[host]` first, then `credsStore`, then `auths[host]` (`auth` = base64 "user:pass", or
// `identitytoken`, an OAuth2 refresh token). Keys come in many spellings (`https://index.docker.io/v1/` for Docker
// Hub, `https://host`, `host/v2/`), so they are compared by host (docs/architecture.md §7). Helpers are
// `docker-credential-<name> get|store|erase`, speaking JSON on stdin/stdout. The file is written atomically with
// mode 0600 and every field we do not know kept.
// A malformed file is refused with an error naming it, as oras and crane do: not JSON, not an object, or `auths`,
// `credsStore`, `credHelpers` of the wrong type. An `auths` entry is checked only when it is the one looked up (as
// oras-go does), so a broken entry for another registry never breaks this one.
import { spawn } from "node:child_process";
import { mkdir, open, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Auth } from "@toci/client";
import { isOciError, OciError } from "@toci/spec-types";

/** The key Docker itself uses for Docker Hub in config.json and with credential helpers. */
export const DOCKER_HUB_KEY = "https://index.docker.io/v1/";
/** The user name a credential helper returns when its secret is an identity (refresh) token. */
const TOKEN_USER = "<token>";
const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);
/** config.json larger than this is refused unread: Docker's own is a few KiB, and a runaway file must not be loaded. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
/** `auth` is standard base64 (Go's StdEncoding, what Docker writes); padding is not insisted on. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  [key: string]: unknown;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** Where config.json lives: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env["DOCKER_CONFIG"] || join(homedir(), ".docker"), "config.json");
}

/** A config.json key (or a registry name) reduced to the host it names; Docker Hub's spellings become docker.io. */
export function normalizeHost(key: string): string {
  let host = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  host = host.split("/")[0]!.toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? "docker.io" : host;
}

/** The key to store a registry's credentials under (and to ask helpers for): Docker's for Docker Hub, else host. */
export function serverKey(registry: string): string {
  const host = normalizeHost(registry);
  return host === "docker.io" ? DOCKER_HUB_KEY : host;
}

async function readConfig(path: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readBounded(path);
  } catch (error) {
    if (isOciError(error)) throw error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new OciError("STORE", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  // An empty file, or `null`, is an empty config, as for Docker and oras (`touch ~/.docker/config.json`).
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new OciError("INVALID_ARGUMENT", `${path} is not valid JSON`, { cause });
  }
  if (value === null) return {};
  if (!isObject(value)) throw malformed(path, "is not a JSON object");
  // `null` fields are absent ones, as Go's decoder has them.
  if (value.auths != null && !isObject(value.auths)) throw malformed(path, "has an `auths` that is not an object");
  if (value.credsStore != null && typeof value.credsStore !== "string") {
    throw malformed(path, "has a `credsStore` that is not a string");
  }
  if (
    value.credHelpers != null &&
    !(isObject(value.credHelpers) && Object.values(value.credHelpers).every((h) => h == null || typeof h === "string"))
  ) {
    throw malformed(path, "has a `credHelpers` that is not an object of strings");
  }
  return value as DockerConfig;
}

/** The file's text, refused unread past {@link MAX_CONFIG_BYTES}. */
async function readBounded(path: string): Promise<string> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (size > MAX_CONFIG_BYTES) {
      throw new OciError("TOO_LARGE", `${path} is ${size} bytes, over the ${MAX_CONFIG_BYTES}-byte limit`, {
        detail: { size, limit: MAX_CONFIG_BYTES },
      });
    }
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

function malformed(where: string, what: string): OciError {
  return new OciError("INVALID_ARGUMENT", `${where} ${what}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A config.json key for a message: quoted, and cut short (keys are whatever the file says). */
function keyText(key: string): string {
  return JSON.stringify(key.length > 100 ? `${key.slice(0, 100)}…` : key);
}

/** The helper that holds a registry's credentials: `credHelpers[host]` beats `credsStore`. */
function helperFor(config: DockerConfig, host: string): string | undefined {
  for (const [key, helper] of Object.entries(config.credHelpers ?? {})) {
    if (normalizeHost(key) === host && helper) return helper;
  }
  return config.credsStore || undefined;
}

/** The `auths` entry for a host and its key, or undefined. */
function entryFor(config: DockerConfig, host: string): { key: string; entry: unknown } | undefined {
  const auths = config.auths ?? {};
  // An exact key first (Docker writes one), then any spelling of the same host. Own keys only: a host named
  // `constructor` must not find Object.prototype's.
  const exact = serverKey(host);
  if (Object.hasOwn(auths, exact)) return { key: exact, entry: auths[exact] };
  for (const [key, entry] of Object.entries(auths)) if (normalizeHost(key) === host) return { key, entry };
  return undefined;
}

/** The credentials of an `auths` entry; throws INVALID_ARGUMENT naming the file and the key when it is malformed. */
function authOfEntry(path: string, key: string, entry: unknown): Auth | undefined {
  const where = `${path}: auths[${keyText(key)}]`;
  if (entry == null) return undefined;
  if (!isObject(entry)) throw malformed(where, "is not an object");
  for (const field of ["auth", "identitytoken", "username", "password"]) {
    if (entry[field] != null && typeof entry[field] !== "string")
      throw malformed(`${where}.${field}`, "is not a string");
  }
  const { auth, identitytoken, username, password } = entry as AuthEntry;
  if (identitytoken) return { type: "refresh-token", refreshToken: identitytoken };
  if (auth) {
    const encoded = auth.trim();
    const decoded =
      BASE64.test(encoded) && encoded.length % 4 !== 1 ? Buffer.from(encoded, "base64").toString("utf8") : "";
    const colon = decoded.indexOf(":");
    if (colon <= 0) throw malformed(`${where}.auth`, 'is not the base64 of "username:password"');
    return { type: "basic", username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (username && password) return { type: "basic", username, password };
  return undefined;
}

/** The most a credential helper may print (stdout and stderr together) before it is stopped. */
const MAX_HELPER_OUTPUT = 1024 * 1024;

/** Runs `docker-credential-<helper> <action>` with `input` on stdin; resolves its stdout. */
function runHelper(helper: string, action: "get" | "store" | "erase", input: string): Promise<string> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let tooMuch = false;
    // A helper answers with a few hundred bytes of JSON: one that floods its output is stopped, not buffered, and
    // the answer does not wait for its 'close' (a child of the helper may hold the pipe open).
    const collect = (d: string, into: "out" | "err") => {
      if (tooMuch) return;
      if (into === "out") out += d;
      else err += d;
      if (out.length + err.length > MAX_HELPER_OUTPUT) {
        tooMuch = true;
        child.kill("SIGKILL");
        child.stdout.destroy();
        child.stderr.destroy();
        reject(new OciError("TOO_LARGE", `credential helper ${program} wrote more than ${MAX_HELPER_OUTPUT} bytes`));
      }
    };
    child.stdout.setEncoding("utf8").on("data", (d: string) => collect(d, "out"));
    child.stderr.setEncoding("utf8").on("data", (d: string) => collect(d, "err"));
    child.on("error", (error) =>
      reject(
        new OciError("INVALID_ARGUMENT", `credential helper ${program} cannot be run: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    child.on("close", (code) => {
      if (tooMuch) return;
      if (code === 0) resolve(out);
      else reject(new HelperError(program, action, (out || err).trim()));
    });
    // A helper that exits without reading its input (it failed early, or needs none) closes the pipe under us:
    // its exit code and output say what happened, and the EPIPE must not escape as an uncaught exception.
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

class HelperError extends OciError {
  readonly notFound: boolean;
  constructor(program: string, action: string, output: string) {
    super("UNAUTHORIZED", `${program} ${action} failed: ${output || "no output"}`);
    this.notFound = /credentials not found/i.test(output);
  }
}

/**
 * The credentials docker config gives for a registry (`host[:port]`, or `docker.io`), or undefined when it gives
 * none. A helper that has no entry ("credentials not found") is not an error.
 */
export async function dockerCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Auth | undefined> {
  const host = normalizeHost(registry);
  const path = dockerConfigPath(env);
  const config = await readConfig(path);
  const helper = helperFor(config, host);
  if (helper) {
    try {
      const out = helperAnswer(helper, await runHelper(helper, "get", serverKey(host)));
      if (out.Secret) {
        return out.Username === TOKEN_USER || !out.Username
          ? { type: "refresh-token", refreshToken: out.Secret }
          : { type: "basic", username: out.Username, password: out.Secret };
      }
    } catch (error) {
      if (!(error instanceof HelperError && error.notFound)) throw error;
    }
    // A helper without an entry: Docker still reads `auths` (entries written before the helper was configured).
  }
  const found = entryFor(config, host);
  return found ? authOfEntry(path, found.key, found.entry) : undefined;
}

/** A helper's `get` answer, `{"Username","Secret"}`; anything else is the helper's fault, said as such. */
function helperAnswer(helper: string, text: string): { Username?: string; Secret?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const typed = (field: string) => isObject(value) && (value[field] == null || typeof value[field] === "string");
  if (!typed("Username") || !typed("Secret")) {
    throw new OciError("INVALID_ARGUMENT", `docker-credential-${helper} get answered something that is not its JSON`);
  }
  return value as { Username?: string; Secret?: string };
}

/** Where `storeCredentials` put them: a helper's name, or the config file's path. */
export type StoredIn = { helper: string } | { file: string };

/** Saves credentials for a registry: in its helper when one is configured, else in config.json (mode 0600). */
export async function storeCredentials(
  registry: string,
  username: string,
  password: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StoredIn> {
  const host = normalizeHost(registry);
  const path = dockerConfigPath(env);
  const config = await readConfig(path);
  const helper = helperFor(config, host);
  if (helper) {
    await runHelper(
      helper,
      "store",
      JSON.stringify({ ServerURL: serverKey(host), Username: username, Secret: password }),
    );
    return { helper };
  }
  // Drop other spellings of the same host, so the entry we write is the one that is read. Object.fromEntries, not
  // assignment: a key `__proto__` is another registry's entry to keep, not the new object's prototype.
  const auths: Record<string, AuthEntry> = Object.fromEntries([
    ...Object.entries(config.auths ?? {}).filter(([key]) => normalizeHost(key) !== host),
    [serverKey(host), { auth: Buffer.from(`${username}:${password}`, "utf8").toString("base64") }],
  ]);
  await writeConfig(path, { ...config, auths });
  return { file: path };
}

/** Removes a registry's credentials (helper and file). Resolves whether any were there. */
export async function eraseCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const host = normalizeHost(registry);
  const path = dockerConfigPath(env);
  const config = await readConfig(path);
  let removed = false;
  const helper = helperFor(config, host);
  if (helper) {
    try {
      await runHelper(helper, "erase", serverKey(host));
      removed = true;
    } catch (error) {
      if (!(error instanceof HelperError && error.notFound)) throw error;
    }
  }
  const entries = Object.entries(config.auths ?? {});
  const auths: Record<string, AuthEntry> = Object.fromEntries(entries.filter(([key]) => normalizeHost(key) !== host));
  if (Object.keys(auths).length < entries.length) {
    await writeConfig(path, { ...config, auths });
    removed = true;
  }
  return removed;
}

/** Writes config.json atomically (temp file + rename), never readable by others. */
async function writeConfig(path: string, config: DockerConfig): Promise<void> {
  try {
    const dir = join(path, "..");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(config, null, "\t")}\n`, { mode: 0o600 });
    await rename(temp, path);
  } catch (error) {
    // A full disk, a read-only home, or a field nested too deep for JSON.stringify (a RangeError).
    throw new OciError("STORE", `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}
