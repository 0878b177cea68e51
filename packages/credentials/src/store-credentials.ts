// login and logout: credentials kept where docker keeps them, so that `docker login` and a toci login share them.
// The credential helper for the registry when one is configured (`credHelpers[host]`, else `credsStore`), else
// config.json's `auths`, the file rewritten whole (atomically, mode 0600) with every field we do not know kept.
import { join } from "node:path";
import { OciError } from "@toci/spec-types";
import type { StorableCredentials } from "./credentials.js";
import { checkedRegistry, helperProgram } from "./docker-credentials.js";
import { writeFileAtomic } from "./internal/atomic-file.js";
import { type DockerConfig, helperFor, readConfig } from "./internal/config-file.js";
import { HelperError, runHelper, TOKEN_USER } from "./internal/helper.js";
import { type CredentialStoreOptions, type NormalizedOptions, normalizeOptions } from "./options.js";
import { registryHost, registryKey } from "./registry-key.js";

/** Where {@link storeCredentials} put the credentials: a helper's name, or the config file's path. */
export type StoredIn = { helper: string } | { file: string };

/**
 * Saves a registry's credentials: in its credential helper when one is configured, else in `config.json` (written
 * atomically with mode 0600; other registries' entries and every other field kept; other spellings of this
 * registry's key replaced, so that the entry written is the one read).
 */
export async function storeCredentials(
  registry: string,
  credentials: StorableCredentials,
  options: CredentialStoreOptions = {},
): Promise<StoredIn> {
  const host = checkedRegistry(registry);
  const [username, secret] = checkedCredentials(credentials);
  const { normalized, path, config } = await load(options);
  const helper = helperFor(path, config, host);
  if (helper) {
    const input = JSON.stringify({ ServerURL: registryKey(host), Username: username, Secret: secret });
    await run(normalized, options.signal, { helper, action: "store", input });
    return { helper };
  }
  const entry =
    credentials.type === "basic"
      ? { auth: Buffer.from(`${username}:${secret}`, "utf8").toString("base64") }
      : { identitytoken: secret };
  // Object.fromEntries, not assignment: a key `__proto__` is another registry's entry to keep, not the new object's
  // prototype.
  const auths = Object.fromEntries([...otherEntries(config, host), [registryKey(host), entry]]);
  await writeConfig(path, { ...config, auths });
  return { file: path };
}

/** Removes a registry's credentials, from its helper and from `config.json`. Resolves whether any were there. */
export async function eraseCredentials(registry: string, options: CredentialStoreOptions = {}): Promise<boolean> {
  const host = checkedRegistry(registry);
  const { normalized, path, config } = await load(options);
  let removed = false;
  const helper = helperFor(path, config, host);
  if (helper) {
    try {
      await run(normalized, options.signal, { helper, action: "erase", input: registryKey(host) });
      removed = true;
    } catch (error) {
      if (!(error instanceof HelperError && error.notFound)) throw error;
    }
  }
  const kept = otherEntries(config, host);
  if (kept.length < Object.keys(config.auths ?? {}).length) {
    await writeConfig(path, { ...config, auths: Object.fromEntries(kept) });
    removed = true;
  }
  return removed;
}

/** The options normalised, and the config file read. */
async function load(options: CredentialStoreOptions) {
  const normalized = normalizeOptions(options);
  if (options.signal?.aborted) throw new OciError("ABORTED", "the credential operation was aborted");
  const path = join(normalized.configDir, "config.json");
  return { normalized, path, config: await readConfig(path) };
}

function run(
  options: NormalizedOptions,
  signal: AbortSignal | undefined,
  what: { helper: string; action: "store" | "erase"; input: string },
): Promise<string> {
  const program = helperProgram(options, what.helper);
  return runHelper({ program, action: what.action, input: what.input, timeout: options.helperTimeout, signal });
}

/** The `auths` entries of every other registry. */
function otherEntries(config: DockerConfig, host: string): [string, unknown][] {
  return Object.entries(config.auths ?? {}).filter(([key]) => registryHost(key) !== host);
}

/** [user name, secret] of credentials that can be stored; INVALID_ARGUMENT for anything else. */
function checkedCredentials(credentials: StorableCredentials): [string, string] {
  const value = credentials as unknown as Record<string, unknown> | undefined;
  if (value?.["type"] === "refresh-token" && typeof value["refreshToken"] === "string" && value["refreshToken"]) {
    return [TOKEN_USER, value["refreshToken"]];
  }
  if (value?.["type"] === "basic" && typeof value["username"] === "string" && typeof value["password"] === "string") {
    // The file keeps base64("user:password") and readers split at the first colon: a colon in the name would be
    // read back as another user.
    if (value["username"] === "" || value["username"].includes(":")) {
      throw new OciError("INVALID_ARGUMENT", "a user name to store must be non-empty and hold no colon");
    }
    return [value["username"], value["password"]];
  }
  throw new OciError(
    "INVALID_ARGUMENT",
    'credentials to store are { type: "basic", username, password } or { type: "refresh-token", refreshToken }',
  );
}

/** Writes config.json (tab-indented, as docker writes it); any failure is STORE naming the file. */
async function writeConfig(path: string, config: DockerConfig): Promise<void> {
  try {
    await writeFileAtomic(path, `${JSON.stringify(config, null, "\t")}\n`);
  } catch (error) {
    // A full disk, a read-only home, a symlink loop, or a field nested too deep for JSON.stringify (a RangeError).
    throw new OciError("STORE", `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}
