// docker's credentials for the `toci` command: @toci/credentials (config.json and credential helpers, read and
// written as docker does), under the names and signatures this package has always exported, with the docker
// config directory taken from an environment (`DOCKER_CONFIG`, else `~/.docker`).
import { join } from "node:path";
import {
  type CredentialProvider,
  type Credentials,
  DOCKER_HUB_KEY,
  dockerConfigDir,
  eraseCredentials as erase,
  dockerCredentials as provider,
  registryHost,
  registryKey,
  type StoredIn,
  storeCredentials as store,
} from "@toci/credentials";

export { DOCKER_HUB_KEY, type StoredIn };

/** Where config.json lives: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(dockerConfigDir(env), "config.json");
}

/** A config.json key (or a registry name) reduced to the host it names; Docker Hub's spellings become docker.io. */
export function normalizeHost(key: string): string {
  return registryHost(key);
}

/** The key to store a registry's credentials under (and to ask helpers for): Docker's for Docker Hub, else host. */
export function serverKey(registry: string): string {
  return registryKey(registry);
}

/**
 * The credentials docker config gives for a registry (`host[:port]`, or `docker.io`), or undefined when it gives
 * none. A helper that has no entry ("credentials not found") is not an error.
 */
export function dockerCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  return provider({ configDir: dockerConfigDir(env) })(registry);
}

/** docker's credentials as the client's credential provider (asked when a registry asks for credentials). */
export function dockerProvider(env: NodeJS.ProcessEnv = process.env): CredentialProvider {
  return provider({ configDir: dockerConfigDir(env) });
}

/** Saves credentials for a registry: in its helper when one is configured, else in config.json (mode 0600). */
export function storeCredentials(
  registry: string,
  username: string,
  password: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StoredIn> {
  return store(registry, { type: "basic", username, password }, { configDir: dockerConfigDir(env) });
}

/** Removes a registry's credentials (helper and file). Resolves whether any were there. */
export function eraseCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return erase(registry, { configDir: dockerConfigDir(env) });
}
