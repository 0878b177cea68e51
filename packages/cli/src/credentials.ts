// Docker's config.json (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`) as oras, crane and skopeo read
// it: `credHelpers[host]` first, then `credsStore`, then `auths[host]` (`auth` = base64 "user:pass", or
// `identitytoken`, an OAuth2 refresh token). Keys come in many spellings (`https://index.docker.io/v1/` for Docker
// Hub, `https://host`, `host/v2/`), so they are compared by host (spec-checklist.md §3.4). Helpers are
// `docker-credential-<name> get|store|erase`, speaking JSON on stdin/stdout. The file is written atomically with
// mode 0600 and every field we do not know kept.
import { spawn } from "node:child_process";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Auth } from "@toci/client";
import { OciError } from "@toci/spec-types";

/** The key Docker itself uses for Docker Hub in config.json and with credential helpers. */
export const DOCKER_HUB_KEY = "https://index.docker.io/v1/";
/** The user name a credential helper returns when its secret is an identity (refresh) token. */
const TOKEN_USER = "<token>";
const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

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
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new OciError("STORE", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as DockerConfig) : {};
  } catch (cause) {
    throw new OciError("INVALID_ARGUMENT", `${path} is not valid JSON`, { cause });
  }
}

/** The helper that holds a registry's credentials: `credHelpers[host]` beats `credsStore`. */
function helperFor(config: DockerConfig, host: string): string | undefined {
  for (const [key, helper] of Object.entries(config.credHelpers ?? {})) {
    if (normalizeHost(key) === host && helper) return helper;
  }
  return config.credsStore || undefined;
}

function entryFor(config: DockerConfig, host: string): AuthEntry | undefined {
  const auths = config.auths ?? {};
  // An exact key first (Docker writes one), then any spelling of the same host.
  const exact = auths[serverKey(host)];
  if (exact) return exact;
  for (const [key, entry] of Object.entries(auths)) if (normalizeHost(key) === host) return entry;
  return undefined;
}

function authOfEntry(entry: AuthEntry): Auth | undefined {
  if (entry.identitytoken) return { type: "refresh-token", refreshToken: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) return { type: "basic", username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { type: "basic", username: entry.username, password: entry.password };
  return undefined;
}

/** Runs `docker-credential-<helper> <action>` with `input` on stdin; resolves its stdout. */
function runHelper(helper: string, action: "get" | "store" | "erase", input: string): Promise<string> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.on("error", (error) =>
      reject(
        new OciError("INVALID_ARGUMENT", `credential helper ${program} cannot be run: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else reject(new HelperError(program, action, (out || err).trim()));
    });
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
  const config = await readConfig(dockerConfigPath(env));
  const helper = helperFor(config, host);
  if (helper) {
    try {
      const out = JSON.parse(await runHelper(helper, "get", serverKey(host))) as { Username?: string; Secret?: string };
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
  const entry = entryFor(config, host);
  return entry ? authOfEntry(entry) : undefined;
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
  const auths: Record<string, AuthEntry> = {};
  // Drop other spellings of the same host, so the entry we write is the one that is read.
  for (const [key, entry] of Object.entries(config.auths ?? {})) if (normalizeHost(key) !== host) auths[key] = entry;
  auths[serverKey(host)] = { auth: Buffer.from(`${username}:${password}`, "utf8").toString("base64") };
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
  const auths: Record<string, AuthEntry> = {};
  let inFile = false;
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (normalizeHost(key) === host) inFile = true;
    else auths[key] = entry;
  }
  if (inFile) {
    await writeConfig(path, { ...config, auths });
    removed = true;
  }
  return removed;
}

/** Writes config.json atomically (temp file + rename), never readable by others. */
async function writeConfig(path: string, config: DockerConfig): Promise<void> {
  const dir = join(path, "..");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, "\t")}\n`, { mode: 0o600 });
  await rename(temp, path);
}
