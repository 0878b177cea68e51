// Runs the built `toci` (dist-bin/toci.cjs, the bundle users get) as a child process, as users do, and the fixtures the tests push.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RegistryInfo } from "@toci/testkit/registry";
import { inject } from "vitest";

export const BIN = fileURLToPath(new URL("../dist-bin/toci.cjs", import.meta.url));

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
}

/** An empty docker config dir, so the developer's ~/.docker never leaks into a test. */
const emptyDockerConfig = mkdtempSync(join(tmpdir(), "toci-cli-dc-"));
/** An empty config home, so the developer's ~/.config/toci never leaks into a test either. */
const emptyConfigHome = mkdtempSync(join(tmpdir(), "toci-cli-xdg-"));

/** `toci ...args`; resolves its exit code and output (never rejects on a non-zero exit). */
export function toci(args: string[], options: RunOptions = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      DOCKER_CONFIG: emptyDockerConfig,
      TOCI_USERNAME: undefined,
      TOCI_PASSWORD: undefined,
      TOCI_CONFIG: undefined,
      XDG_CONFIG_HOME: emptyConfigHome,
      // Nor the machine's proxy: tests that want one set it.
      HTTPS_PROXY: undefined,
      https_proxy: undefined,
      HTTP_PROXY: undefined,
      http_proxy: undefined,
      NO_PROXY: undefined,
      no_proxy: undefined,
      NO_COLOR: "1",
      ...options.env,
    };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** `toci ...args` with stdout as bytes (`toci cat`, `toci export -o -`). */
export function tociBytes(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, DOCKER_CONFIG: emptyDockerConfig, NO_COLOR: "1" };
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => chunks.push(d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(chunks), stderr }));
  });
}

/** `toci ... --json`, parsed. */
export async function tociJson<T = Record<string, unknown>>(args: string[], options: RunOptions = {}): Promise<T> {
  const result = await toci([...args, "--json"], options);
  if (result.code !== 0) throw new Error(`toci ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

export function registries(): Record<"plain" | "htpasswd" | "token" | "tls", RegistryInfo> {
  return inject("toci:registries" as never) as Record<"plain" | "htpasswd" | "token" | "tls", RegistryInfo>;
}

/** -u/-p flags for a registry with credentials. */
export function creds(registry: RegistryInfo): string[] {
  return registry.credentials ? ["-u", registry.credentials.username, "-p", registry.credentials.password] : [];
}

export function tempDir(prefix = "toci-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A docker config dir holding `config`. */
export function dockerConfig(config: unknown): string {
  const dir = tempDir("toci-cli-dc-");
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

/** Runs a program (skopeo) and resolves its stdout; rejects with its stderr. */
export function exec(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(" ")}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}
