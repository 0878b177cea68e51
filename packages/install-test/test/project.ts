// Fresh projects outside the workspace, as a new user makes them: commands run there with a clean environment
// (none of the npm_* variables the workspace's `npm test` set), tarballs packed from the workspace, and what an
// install weighs.
import { execFile } from "node:child_process";
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./workspace.js";

const run = promisify(execFile);

export interface Result {
  stdout: string;
  stderr: string;
}

/** The environment of a shell a user opens: this one without npm's lifecycle variables and NODE_OPTIONS. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== "INIT_CWD" && key !== "NODE_OPTIONS") env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command; a non-zero exit throws with both outputs in the message. */
export async function sh(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<Result> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: options.cwd,
      env: userEnv(options.env),
      maxBuffer: 64 << 20,
      encoding: "utf8",
    });
    return { stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(" ")} (in ${options.cwd}) failed (${String(e.code)}):\n${e.stderr}\n${e.stdout}`,
      {
        cause: error,
      },
    );
  }
}

export function npm(args: string[], cwd: string): Promise<Result> {
  return sh("npm", [...args, "--no-audit", "--no-fund", "--no-update-notifier"], { cwd });
}

/** One packed tarball, as `npm pack --json` describes it. */
export interface Packed {
  name: string;
  version: string;
  /** Absolute path of the .tgz. */
  tarball: string;
  /** The paths inside it, relative to the package ("dist/index.js"). */
  files: string[];
}

/** Packs the workspaces in `dirs` (folders under packages/) into `dest`; each prepack builds its package. */
export async function packWorkspaces(dirs: string[], dest: string): Promise<Map<string, Packed>> {
  await mkdir(dest, { recursive: true });
  const { stdout } = await npm(
    ["pack", "--json", "--pack-destination", dest, ...dirs.flatMap((d) => ["-w", `packages/${d}`])],
    repoRoot,
  );
  const list = JSON.parse(stdout) as { name: string; version: string; filename: string; files: { path: string }[] }[];
  return new Map(
    list.map((p) => [
      p.name,
      { name: p.name, version: p.version, tarball: join(dest, p.filename), files: p.files.map((f) => f.path) },
    ]),
  );
}

/** Makes an empty project folder with the given package.json fields. */
export async function newProject(dir: string, fields: Record<string, unknown> = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "package.json"), `${JSON.stringify({ name: "app", private: true, ...fields }, null, 2)}\n`);
  return dir;
}

/** How many packages an install holds and their bytes (file sizes, as `du --apparent-size` counts them). */
export interface InstallSize {
  packages: number;
  bytes: number;
  names: string[];
}

export async function installSize(nodeModules: string): Promise<InstallSize> {
  const names: string[] = [];
  let bytes = 0;
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === "node_modules") await packagesIn(path);
        else await walk(path);
      } else if (entry.isFile()) bytes += (await stat(path)).size;
    }
  }
  async function packagesIn(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === ".bin" || entry.name.startsWith(".")) continue;
      if (entry.name.startsWith("@")) {
        for (const scoped of await readdir(join(dir, entry.name))) {
          names.push(`${entry.name}/${scoped}`);
          await walk(join(dir, entry.name, scoped));
        }
      } else {
        names.push(entry.name);
        await walk(join(dir, entry.name));
      }
    }
  }
  await packagesIn(nodeModules);
  return { packages: names.length, bytes, names: names.sort() };
}

export function formatSize(size: InstallSize): string {
  return `${size.packages} package${size.packages === 1 ? "" : "s"}, ${(size.bytes / 1e6).toFixed(2)} MB`;
}
