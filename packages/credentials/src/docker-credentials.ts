// docker's credentials as a provider, looked up as docker, oras and crane look them up: `credHelpers[host]`, else
// `credsStore` (the helper's `get`), then the `auths` entry of the host under any key spelling.
import { join } from "node:path";
import { OciError } from "@toci/spec-types";
import type { CredentialProvider, Credentials } from "./credentials.js";
import { credentialsOfEntry, entryFor, helperFor, readConfig } from "./internal/config-file.js";
import { HelperError, helperAnswer, runHelper, TOKEN_USER } from "./internal/helper.js";
import { type DockerConfigOptions, type NormalizedOptions, normalizeOptions } from "./options.js";
import { registryHost, registryKey } from "./registry-key.js";

/**
 * A credential provider over docker's `config.json` and credential helpers. Each call reads the file afresh (a
 * `docker login` in between is seen) and keeps nothing: the caller decides how long an answer lives. A helper that
 * holds nothing for the registry ("credentials not found") is not an error: `auths` is read next, as docker does.
 *
 * @example
 * const credentials = dockerCredentials();
 * const auth = (await credentials("ghcr.io")) ?? { type: "anonymous" };
 */
export function dockerCredentials(options: DockerConfigOptions = {}): CredentialProvider {
  const normalized = normalizeOptions(options);
  const path = join(normalized.configDir, "config.json");
  return async (registry, request = {}) => {
    const host = checkedRegistry(registry);
    if (request.signal?.aborted) throw new OciError("ABORTED", "the credential lookup was aborted");
    const config = await readConfig(path);
    const helper = helperFor(path, config, host);
    if (helper) {
      const found = await helperGet(normalized, helper, host, request.signal);
      if (found) return found;
    }
    const found = entryFor(config, host);
    return found ? credentialsOfEntry(path, found.key, found.entry) : undefined;
  };
}

/** The registry a caller named, as a config.json host; INVALID_ARGUMENT for what names none. */
export function checkedRegistry(registry: unknown): string {
  const host = typeof registry === "string" ? registryHost(registry) : "";
  if (host === "") throw new OciError("INVALID_ARGUMENT", "a registry host is needed (host[:port])");
  return host;
}

/** The program that runs a helper: the one the options name, else `docker-credential-<name>` from PATH. */
export function helperProgram(options: NormalizedOptions, helper: string): string {
  return options.helpers.get(helper) ?? `docker-credential-${helper}`;
}

/** What a helper holds for a host, or undefined when it holds nothing. */
async function helperGet(
  options: NormalizedOptions,
  helper: string,
  host: string,
  signal: AbortSignal | undefined,
): Promise<Credentials | undefined> {
  const program = helperProgram(options, helper);
  let text: string;
  try {
    text = await runHelper({
      program,
      action: "get",
      input: registryKey(host),
      timeout: options.helperTimeout,
      signal,
    });
  } catch (error) {
    if (error instanceof HelperError && error.notFound) return undefined;
    throw error;
  }
  const { Username, Secret } = helperAnswer(program, text);
  if (!Secret) return undefined;
  return Username === TOKEN_USER || !Username
    ? { type: "refresh-token", refreshToken: Secret }
    : { type: "basic", username: Username, password: Secret };
}
