// toci's own configuration file: settings per registry (mirrors, plain HTTP, an extra CA, a client certificate,
// skipping TLS verification), for what a flag cannot say once for all: a mirror for Docker Hub on every pull, a
// client certificate for one registry only. Its schema is config.schema.json beside package.json (and the CLI
// README). A file a user wrote is input like any other: read with a cap, checked field by field, and an error names
// the file and the field (`~/.config/toci/config.json: registries["docker.io"].mirrors[0]: …`).
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { isOciError, OciError } from "@toci/spec-types";
import { checkConfig, type TociConfig } from "./config-schema.js";
import { readCapped } from "./read-capped.js";

export type { RegistryConfig, TociConfig } from "./config-schema.js";

/** Far above any real configuration (a few hundred bytes per registry); a FIFO or a log file is not read whole. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Where the configuration is: `$TOCI_CONFIG` (then it must exist), else `$XDG_CONFIG_HOME/toci/config.json`, else
 * `~/.config/toci/config.json` (which may be absent: no settings).
 */
export function configPath(env: NodeJS.ProcessEnv = process.env): { path: string; required: boolean } {
  const explicit = env["TOCI_CONFIG"];
  if (explicit) return { path: resolve(explicit), required: true };
  const base = env["XDG_CONFIG_HOME"] && isAbsolute(env["XDG_CONFIG_HOME"]) ? env["XDG_CONFIG_HOME"] : undefined;
  return { path: join(base ?? join(homedir(), ".config"), "toci", "config.json"), required: false };
}

/** The configuration, read and checked; an empty one when the default file is absent. */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<TociConfig> {
  const { path, required } = configPath(env);
  const text = await readConfigText(path, required);
  if (text === undefined) return { file: undefined, registries: new Map() };
  let value: unknown;
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch (error) {
    throw new OciError("INVALID_ARGUMENT", `${path}: not JSON (${(error as Error).message})`);
  }
  return checkConfig(value, { file: path, dir: dirname(path), home: homedir() });
}

/** The file's text, or undefined when an optional file is absent. */
async function readConfigText(path: string, required: boolean): Promise<string | undefined> {
  try {
    return await readCapped(path, MAX_CONFIG_BYTES, "the toci configuration");
  } catch (error) {
    if (isOciError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    if (code === "ENOENT" && !required) return undefined;
    const why = code === "ENOENT" ? "no such file (TOCI_CONFIG names it)" : `cannot be read (${code})`;
    throw new OciError("INVALID_ARGUMENT", `${path}: ${why}`, { cause: error });
  }
}
