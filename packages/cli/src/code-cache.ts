// The CLI's bundle (dist-bin/main.cjs, one script) compiled with a V8 code cache, so that a run after the first does
// not parse and compile it again. Node 20 has no compile cache for modules (`module.enableCompileCache` needs Node
// 22.1), but `vm.Script` takes and makes V8 code caches (https://nodejs.org/api/vm.html#scriptcreatecacheddata):
// measured on a small pull, ~45 ms of CPU of the ~0.3 s that follow Node's own start.
//
// The cache is an optimisation only, so nothing about it may break or change a run:
//   - It lives in the user's cache directory, in a file named by a hash of the bundle's bytes and of the Node, V8,
//     platform and architecture that made it: another toci build or another Node never finds it.
//   - Its payload is checked against a SHA-256 in its header before V8 sees it: V8 itself checks its version and the
//     source's length, not the payload's integrity (a torn or flipped file would reach its deserializer). A cache V8
//     rejects anyway (other flags) is rewritten.
//   - It is written whole to a temp file and renamed into place; any failure (a read-only or absent home, a full
//     disk) is ignored, and the run goes on compiling as it would without a cache.
//   - `TOCI_CODE_CACHE=0` turns it off (neither read nor written).
// The cache holds what the runs that made it compiled (V8 compiles functions when first called): it is rewritten,
// with everything compiled so far, the first time a command it has not seen runs.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { Script } from "node:vm";

/** What the bundle exports. */
export interface MainModule {
  main(argv: readonly string[]): Promise<number>;
}

/**
 * What became of the cache: turned off or no place for it, none yet, used, or ignored (not whole or not ours:
 * "corrupt"; refused by V8, e.g. made under other V8 flags: "rejected").
 */
export type CacheState = "off" | "absent" | "used" | "corrupt" | "rejected";

/** The bundle, loaded, and what saves its cache. */
export interface LoadedBundle {
  readonly module: MainModule;
  readonly cache: CacheState;
  /** Writes the cache when this run compiled what it lacked; never throws. Call once the command has run. */
  save(): void;
}

/** The first line of a cache file: this tag, the format's version, the payload's SHA-256, the commands it covers. */
const MAGIC = "toci-v8-code-cache";
const FORMAT = "1";
/** A header is well under this; a longer first line is not ours. */
const MAX_HEADER = 1024;
/** Caches not rewritten for this long are removed when another is written (a toci or Node since replaced). */
const STALE_MS = 7 * 24 * 60 * 60 * 1000;
/** A cache file's name ends so; only those (and their temp files) are ever removed. */
const SUFFIX = ".v8cache";
/** What a command name looks like, and how many the header lists (it must stay under MAX_HEADER). */
const COMMAND = /^[a-z][a-z-]{0,39}$/;
const MAX_COMMANDS = 16;

/** Options of {@link loadBundle}. */
export interface LoadOptions {
  /** The environment (`TOCI_CODE_CACHE`, `XDG_CACHE_HOME`, `LOCALAPPDATA`). */
  env: NodeJS.ProcessEnv;
  /** The command this run carries out (the first argument that is not an option), to know when to rewrite. */
  command: string | undefined;
}

/** Loads and runs the CommonJS bundle at `file` as Node's loader would, through the code cache when there is one. */
export function loadBundle(file: string, options: LoadOptions): LoadedBundle {
  const bytes = readFileSync(file);
  const dir = options.env["TOCI_CODE_CACHE"] === "0" ? undefined : cacheDir(options.env);
  const path = dir && join(dir, `${cacheKey(bytes)}${SUFFIX}`);
  const found = path ? readCache(path) : "absent";
  const cached = typeof found === "object" ? found : undefined;
  // The CommonJS wrapper Node's own loader puts around a module (https://nodejs.org/api/modules.html#the-module-wrapper).
  const source = `(function (exports, require, module, __filename, __dirname) {${bytes.toString("utf8")}\n})`;
  const script = new Script(source, { filename: file, cachedData: cached?.payload });
  const module = { exports: {} as MainModule };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  const rejected = cached !== undefined && script.cachedDataRejected === true;
  return {
    module: module.exports,
    cache: !path ? "off" : typeof found === "string" ? found : rejected ? "rejected" : "used",
    save() {
      if (!path) return;
      const usable = cached && !rejected;
      // Command names are words of the CLI; anything else (a stray argument) counts as none.
      const command = COMMAND.test(options.command ?? "") ? (options.command as string) : "";
      if (usable && cached.commands.includes(command)) return;
      const commands = usable ? [...cached.commands, command].slice(-MAX_COMMANDS) : [command];
      writeCache(path, script, commands);
    },
  };
}

/** The directory the caches go in: `$XDG_CACHE_HOME/toci`, else the platform's per-user cache directory. */
export function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const xdg = env["XDG_CACHE_HOME"];
    if (xdg && isAbsolute(xdg)) return join(xdg, "toci");
    if (process.platform === "win32" && env["LOCALAPPDATA"]) return join(env["LOCALAPPDATA"], "toci", "cache");
    if (process.platform === "darwin") return join(homedir(), "Library", "Caches", "toci");
    return join(homedir(), ".cache", "toci");
  } catch {
    return undefined; // no home directory: no cache
  }
}

/** The Node, V8, platform and architecture this process runs on: a cache made under others is never looked at. */
const RUNTIME = [process.version, process.versions.v8, process.platform, process.arch];

/** A name for the cache of these bundle bytes under `runtime`. */
export function cacheKey(bytes: Uint8Array, runtime: readonly string[] = RUNTIME): string {
  const hash = createHash("sha256").update(bytes);
  for (const part of runtime) hash.update(`\0${part}`);
  return `code-${hash.digest("hex").slice(0, 32)}`;
}

/** The cache at `path` when it is whole and ours (its payload and the commands it covers), else why not. */
function readCache(path: string): { payload: Buffer; commands: string[] } | "absent" | "corrupt" {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return "absent";
  }
  const end = data.subarray(0, MAX_HEADER).indexOf(10); // "\n"
  if (end < 0) return "corrupt";
  const [magic, format, sum, commands = ""] = data.subarray(0, end).toString("latin1").split(" ");
  if (magic !== MAGIC || format !== FORMAT) return "corrupt";
  const payload = data.subarray(end + 1);
  if (payload.length === 0 || createHash("sha256").update(payload).digest("hex") !== sum) return "corrupt";
  return { payload, commands: commands.split(",") };
}

/** Writes the cache of `script` to `path` atomically (temp file, rename); gives up silently on any failure. */
function writeCache(path: string, script: Script, commands: string[]): void {
  const dir = dirname(path);
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    const payload = script.createCachedData();
    const sum = createHash("sha256").update(payload).digest("hex");
    const names = commands.join(",");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${MAGIC} ${FORMAT} ${sum} ${names}\n`, "latin1"), payload]), {
      flag: "wx",
      mode: 0o600,
    });
    renameSync(tmp, path);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // never made
    }
    return;
  }
  removeStale(dir, path);
}

/** Removes caches (and temp files of caches) in `dir` not written for a week, other than `keep` (best effort). */
function removeStale(dir: string, keep: string): void {
  try {
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (path === keep || !name.startsWith("code-") || !(name.endsWith(SUFFIX) || name.endsWith(".tmp"))) continue;
      if (now - statSync(path).mtimeMs > STALE_MS) unlinkSync(path);
    }
  } catch {
    // another process removed it first, or the directory cannot be listed
  }
}
