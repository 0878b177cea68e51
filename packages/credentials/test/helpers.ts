// Test helpers: docker config directories, and credential helpers as small shell scripts (real programs, run the
// way docker runs them).
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isOciError, type OciError } from "@toci/spec-types";
import { expect } from "vitest";

export function tempDir(prefix = "toci-cred-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A docker config directory whose config.json is `config` as JSON (or exactly these bytes). */
export function configDir(config: unknown): string {
  const dir = tempDir("toci-cred-dc-");
  writeFileSync(join(dir, "config.json"), typeof config === "string" ? config : JSON.stringify(config));
  return dir;
}

export const base64 = (text: string) => Buffer.from(text).toString("base64");

/** An executable shell script; resolves its path. */
export function script(body: string, name = "docker-credential-test"): string {
  const program = join(tempDir("toci-cred-bin-"), name);
  writeFileSync(program, `#!/bin/sh\n${body}\n`);
  chmodSync(program, 0o755);
  return program;
}

/**
 * A credential helper keeping entries as files in `dir`, one per server URL, as docker-credential-pass does:
 * `get` prints the stored JSON or "credentials not found in native keychain" (exit 1); `store` keeps its input;
 * `erase` removes the entry or says not found. Every call appends `<action> <input>` to `dir/log`.
 */
export function fileHelper(dir: string): string {
  return script(`dir=${JSON.stringify(dir)}
input=$(cat)
printf '%s %s\\n' "$1" "$input" >> "$dir/log"
case "$1" in
  get|erase) f="$dir/$(printf %s "$input" | tr '/:' '__')" ;;
  store) url=$(printf %s "$input" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p'); f="$dir/$(printf %s "$url" | tr '/:' '__')" ;;
esac
case "$1" in
  get) if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  store) printf %s "$input" > "$f" ;;
  erase) if [ -f "$f" ]; then rm "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
esac`);
}

/** A helper entry file in `dir` for `server`, as {@link fileHelper} keeps them. */
export function helperEntry(dir: string, server: string, username: string, secret: string): void {
  writeFileSync(
    join(dir, server.replace(/[/:]/g, "_")),
    JSON.stringify({ ServerURL: server, Username: username, Secret: secret }),
  );
}

/** The OciError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function ociError(promise: Promise<unknown>): Promise<OciError> {
  const error = await promise.then(
    (value) => ({ resolved: value }),
    (e: unknown) => e,
  );
  expect(isOciError(error), String(error)).toBe(true);
  return error as OciError;
}

/** Every text an error shows or carries: message, JSON view, and its causes' messages. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof Error) parts.push(current.message, JSON.stringify(current));
    else parts.push(String(current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join("\n");
}
