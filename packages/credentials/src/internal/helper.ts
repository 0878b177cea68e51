// docker credential helpers (github.com/docker/docker-credential-helpers, client/client.go): the program
// `docker-credential-<name>` run with one action as its argument, its input on stdin, its answer on stdout:
//   get   <server URL>                          → {"ServerURL","Username","Secret"} (Username "<token>": a refresh token)
//   store {"ServerURL","Username","Secret"}     → nothing
//   erase <server URL>                          → nothing
// A non-zero exit is a failure, "credentials not found in native keychain" on stdout the one that means "none".
// Run without a shell; the secret goes on stdin, never in the arguments. What a helper prints is never put in an
// error: a failing helper may well have printed the secret it was handling.
import { OciError } from "@toci/spec-types";
import { isObject } from "./config-file.js";

/** The most a helper may print before it is stopped: an answer is a few hundred bytes of JSON. */
export const MAX_HELPER_OUTPUT = 1024 * 1024;
/** The user name a helper returns when its secret is an identity (refresh) token. */
export const TOKEN_USER = "<token>";

export type HelperAction = "get" | "store" | "erase";

export interface HelperRun {
  /** The executable: `docker-credential-<name>` (looked up on PATH) or a path. */
  program: string;
  action: HelperAction;
  input: string;
  timeout: number;
  signal?: AbortSignal | undefined;
}

/** A helper's failure; `notFound` when it said it holds no credentials for the server. */
export class HelperError extends OciError {
  readonly notFound: boolean;
  constructor(program: string, action: HelperAction, how: string, notFound: boolean) {
    super("UNAUTHORIZED", `credential helper ${program} ${action} failed (${how})`);
    this.notFound = notFound;
  }
}

/** Runs a helper; resolves its stdout, rejects with an OciError (never the helper's output). */
export async function runHelper(run: HelperRun): Promise<string> {
  const { program, action, signal } = run;
  // Loaded when a helper runs, not with the package: most commands run none (an anonymous registry, credentials in
  // `auths`), and node:child_process costs a process ~4 ms to load at start-up (a tenth of a small pull's start).
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(program, action));
    // stderr is not ours to show (docker sends it to the terminal) and may repeat the secret: discarded.
    const child = spawn(program, [action], { stdio: ["pipe", "pipe", "ignore"] });
    let out = "";
    let settled = false;
    const settle = (error: OciError | undefined, value = "") => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error) {
        // Stopped, not waited for: the answer does not wait for 'close' (a child of the helper may hold the pipe).
        child.kill("SIGKILL");
        child.stdout.destroy();
        reject(error);
      } else resolve(value);
    };
    const onAbort = () => settle(aborted(program, action));
    const timer = setTimeout(
      () =>
        settle(new OciError("TIMEOUT", `credential helper ${program} ${action} did not finish in ${run.timeout} ms`)),
      run.timeout,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.length > MAX_HELPER_OUTPUT) {
        settle(new OciError("TOO_LARGE", `credential helper ${program} wrote more than ${MAX_HELPER_OUTPUT} bytes`));
      }
    });
    child.on("error", (error) =>
      settle(new OciError("INVALID_ARGUMENT", `credential helper ${program} cannot be run: ${error.message}`)),
    );
    child.on("close", (code, sig) => {
      if (code === 0) return settle(undefined, out);
      const notFound = /credentials not found/i.test(out);
      settle(new HelperError(program, action, sig ? `killed by ${sig}` : `exit code ${code}`, notFound));
    });
    // A helper that exits without reading its input (it failed early, or needs none) closes the pipe under us:
    // its exit code says what happened, and the EPIPE must not escape as an uncaught exception.
    child.stdin.on("error", () => {});
    child.stdin.end(run.input);
  });
}

function aborted(program: string, action: HelperAction): OciError {
  return new OciError("ABORTED", `credential helper ${program} ${action} was aborted`);
}

/** A helper's `get` answer; anything but its JSON is the helper's fault, said as such (without the answer). */
export function helperAnswer(program: string, text: string): { Username?: string; Secret?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const typed = (field: string) => isObject(value) && (value[field] == null || typeof value[field] === "string");
  if (!typed("Username") || !typed("Secret")) {
    throw new OciError("INVALID_ARGUMENT", `credential helper ${program} get answered something that is not its JSON`);
  }
  return value as { Username?: string; Secret?: string };
}
