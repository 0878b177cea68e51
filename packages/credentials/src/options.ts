// The options of every operation of this package, and their normalisation (once, at the entry).
import { homedir } from "node:os";
import { join } from "node:path";
import { OciError } from "@toci/spec-types";

/** Where docker's configuration is, and how credential helpers run. Every field is optional. */
export interface DockerConfigOptions {
  /**
   * The directory holding `config.json`.
   * @default `$DOCKER_CONFIG`, else `~/.docker`
   */
  configDir?: string;
  /**
   * Credential helpers by name (`credsStore`, `credHelpers` values) → the executable to run for them. A name not in
   * the map runs `docker-credential-<name>` from `PATH`.
   * @default {} (every helper from `PATH`)
   */
  helpers?: Readonly<Record<string, string>>;
  /**
   * How long a credential helper may run, in milliseconds, before it is killed and the operation fails with
   * `TIMEOUT`. Long enough for a helper that asks the user to unlock a keychain or calls a cloud API.
   * @default 60000
   */
  helperTimeout?: number;
}

/** The options of {@link storeCredentials} and {@link eraseCredentials}. */
export interface CredentialStoreOptions extends DockerConfigOptions {
  /** Stops the operation (a running helper is killed); it rejects with `ABORTED`. */
  signal?: AbortSignal;
}

/** {@link DockerConfigOptions} with every default applied. */
export interface NormalizedOptions {
  configDir: string;
  helpers: ReadonlyMap<string, string>;
  helperTimeout: number;
}

const DEFAULT_HELPER_TIMEOUT = 60_000;

/** Where docker's configuration directory is: `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env["DOCKER_CONFIG"] || join(homedir(), ".docker");
}

export function normalizeOptions(options: DockerConfigOptions = {}): NormalizedOptions {
  const { helperTimeout = DEFAULT_HELPER_TIMEOUT, helpers = {} } = options;
  if (!(Number.isFinite(helperTimeout) && helperTimeout > 0)) {
    throw new OciError("INVALID_ARGUMENT", `helperTimeout must be a positive number of milliseconds`);
  }
  for (const [name, program] of Object.entries(helpers)) {
    if (typeof program !== "string" || program === "") {
      throw new OciError("INVALID_ARGUMENT", `helpers[${JSON.stringify(name)}] must be the path of an executable`);
    }
  }
  return {
    configDir: options.configDir ?? dockerConfigDir(),
    helpers: new Map(Object.entries(helpers)),
    helperTimeout,
  };
}
