// Where the command writes: results on stdout (one line per result, or one JSON document with --json), progress,
// warnings and errors on stderr. Progress bars are drawn only on a terminal (or with --progress), never with --json.
// Every line goes out with its control characters escaped, and every diagnostic with its URLs redacted
// (printable.ts): much of what is printed comes from a registry or a layout.
import type { LogFields } from "@toci/client";
import { isOciError } from "@toci/spec-types";
import { causeText, errorJson, hintFor, UsageError } from "./errors.js";
import { diagnostic, escapeControls, jsonText, redactDeep } from "./printable.js";

export interface OutputOptions {
  json?: boolean;
  debug?: boolean;
  /** true: always draw bars; false: never; undefined: on a terminal. */
  progress?: boolean;
}

export class Output {
  readonly json: boolean;
  readonly debugging: boolean;
  /** Whether transfers draw live progress bars on stderr. */
  readonly bars: boolean;
  /** Whether stdout is a terminal (summaries are spelled out there, terse lines go to pipes). */
  readonly tty: boolean;

  constructor(options: OutputOptions) {
    this.json = options.json === true;
    this.debugging = options.debug === true;
    this.tty = process.stdout.isTTY === true;
    this.bars = !this.json && (options.progress ?? process.stderr.isTTY === true);
  }

  /** A line of a command's result on stdout (not with --json). */
  line(text: string): void {
    if (!this.json) process.stdout.write(`${escapeControls(text)}\n`);
  }

  /** The command's result: `doc` as JSON with --json, else `lines`. */
  result(doc: unknown, lines: readonly string[]): void {
    if (this.json) process.stdout.write(`${jsonText(doc)}\n`);
    else for (const l of lines) process.stdout.write(`${escapeControls(l)}\n`);
  }

  /** A note for the user on stderr (never mixed into results). */
  note(text: string): void {
    process.stderr.write(`${diagnostic(text)}\n`);
  }

  warn(text: string): void {
    process.stderr.write(`warning: ${diagnostic(text)}\n`);
  }

  /** With --debug: the client's log lines and the errors it reported. */
  debug(message: string, fields?: LogFields): void {
    if (!this.debugging) return;
    const error = fields?.["error"];
    const rest = fields ? Object.fromEntries(Object.entries(fields).filter(([k]) => k !== "error")) : {};
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
    const why = isOciError(error) ? ` [${error.code}${error.status ? ` ${error.status}` : ""}]` : "";
    process.stderr.write(`debug: ${diagnostic(`${message}${why}${extra}`)}\n`);
  }

  /** Reports a failure: `error: CODE: message`, a hint, the stack with --debug; a JSON document with --json. */
  error(error: unknown): void {
    if (this.json) process.stdout.write(`${jsonText({ error: redactDeep(errorJson(error)) })}\n`);
    const write = (prefix: string, text: string) => process.stderr.write(`${prefix}${diagnostic(text)}\n`);
    if (error instanceof UsageError) {
      write("error: ", error.message);
      process.stderr.write("(run `toci --help` or `toci <command> --help` for usage)\n");
      return;
    }
    if (isOciError(error)) {
      const status =
        error.status === undefined || error.message.includes(String(error.status)) ? "" : ` (HTTP ${error.status})`;
      write("error: ", `${error.code}: ${error.message}${status}`);
      const hint = hintFor(error);
      if (hint) write("hint: ", hint);
      if (this.debugging) {
        const cause = causeText(error);
        if (cause) write("cause: ", cause);
        if (error.stack) this.#stack(error.stack);
      }
      return;
    }
    write("error: ", error instanceof Error ? error.message : String(error));
    if (this.debugging && error instanceof Error && error.stack) this.#stack(error.stack);
    else process.stderr.write("hint: run again with --debug for details\n");
  }

  /** A stack trace, line by line (its first line is the message, which may quote a registry). */
  #stack(stack: string): void {
    for (const line of stack.split("\n")) process.stderr.write(`${diagnostic(line)}\n`);
  }
}

/** Bytes for humans: 1.2 MB (SI units, as skopeo and docker print them). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "?";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

/** Seconds for humans: 850 ms, 2.3 s, 1m05s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** A digest shortened for display: sha256:3f2a1b7c9d0e. */
export function shortDigest(digest: string, length = 12): string {
  const [alg, hex = ""] = digest.split(":");
  return `${alg}:${hex.slice(0, length)}`;
}
