// Where the command writes: results on stdout (one line per result, or one JSON document with --json), progress,
// warnings and errors on stderr. Progress bars are drawn only on a terminal (or with --progress), never with --json.
// With --json, stdout holds exactly one JSON document, success or failure, and stderr nothing (unless --debug): the
// warnings go into the document (`warnings`), so `toci … --json 2>&1 | jq` works.
// Every line goes out with its control characters escaped, and every diagnostic with its URLs redacted
// (printable.ts): much of what is printed comes from a registry or a layout.
import type { LogFields } from "@toci/client";
import { isOciError } from "@toci/spec-types";
import { causeText, errorJson, type HintContext, hintFor, UsageError } from "./errors.js";
import { diagnostic, escapeControls, jsonText, redactDeep } from "./printable.js";

export interface OutputOptions {
  json?: boolean;
  debug?: boolean;
  /** true: always draw bars; false: never; undefined: on a terminal. */
  progress?: boolean;
  /** The command that runs, for hints that depend on it (a failed `login` does not say "run toci login"). */
  command?: string;
  /** The command's full name (`layout rm`), for the help a usage error points at. */
  commandPath?: string;
}

export class Output {
  readonly json: boolean;
  readonly debugging: boolean;
  /** Whether transfers draw live progress bars on stderr. */
  readonly bars: boolean;
  /** Whether stdout is a terminal (summaries are spelled out there, terse lines go to pipes). */
  readonly tty: boolean;
  readonly #context: HintContext;
  readonly #commandPath: string | undefined;
  /** With --json: the warnings, for the document. */
  readonly #warnings: string[] = [];
  /** With --json: whether the one document was written. */
  #written = false;

  constructor(options: OutputOptions) {
    this.json = options.json === true;
    this.debugging = options.debug === true;
    this.tty = process.stdout.isTTY === true;
    this.bars = !this.json && (options.progress ?? process.stderr.isTTY === true);
    this.#context = { command: options.command };
    this.#commandPath = options.commandPath;
  }

  /** A line of a command's result on stdout (not with --json). */
  line(text: string): void {
    if (!this.json) process.stdout.write(`${escapeControls(text)}\n`);
  }

  /** The command's result: `doc` as JSON with --json (its `warnings` added), else `lines`. */
  result(doc: unknown, lines: readonly string[]): void {
    if (this.json) this.#document(doc);
    else for (const l of lines) process.stdout.write(`${escapeControls(l)}\n`);
  }

  /**
   * A note for the user on stderr (never mixed into results; not with --json, unless --debug). Several lines go out
   * in one write, each escaped on its own: the line breaks between them are ours, not a registry's.
   */
  note(text: string | readonly string[]): void {
    const lines = typeof text === "string" ? [text] : text;
    if (!this.json || this.debugging) process.stderr.write(`${lines.map(diagnostic).join("\n")}\n`);
  }

  /** A warning on stderr; with --json, in the document instead (and on stderr too with --debug). */
  warn(text: string): void {
    if (this.json) this.#warnings.push(redactDeep(text) as string);
    if (!this.json || this.debugging) process.stderr.write(`warning: ${diagnostic(text)}\n`);
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

  /**
   * Reports a failure: `error: CODE: message`, a hint, the stack with --debug. With --json, the JSON document
   * `{"error": …}` and nothing on stderr (the details on stderr with --debug only).
   */
  error(error: unknown): void {
    if (this.json) {
      this.#document({ error: redactDeep(errorJson(error, this.#context)) });
      if (this.debugging) this.#details(error);
      return;
    }
    const write = (prefix: string, text: string) => process.stderr.write(`${prefix}${diagnostic(text)}\n`);
    if (error instanceof UsageError) {
      write("error: ", error.message);
      const help = this.#commandPath ? `toci ${this.#commandPath} --help` : "toci --help";
      process.stderr.write(`(run \`${help}\` for usage)\n`);
      return;
    }
    if (isOciError(error)) {
      const status =
        error.status === undefined || error.message.includes(String(error.status)) ? "" : ` (HTTP ${error.status})`;
      write("error: ", `${error.code}: ${error.message}${status}`);
      const hint = hintFor(error, this.#context);
      if (hint) write("hint: ", hint);
      if (this.debugging) this.#details(error);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    write("error: ", message);
    if (this.debugging) this.#details(error);
    else process.stderr.write("hint: run again with --debug for details\n");
  }

  /** The one JSON document (a second, after a failure past the result, is not written: stdout stays parseable). */
  #document(doc: unknown): void {
    if (this.#written) return;
    this.#written = true;
    const body =
      this.#warnings.length > 0 && doc !== null && typeof doc === "object" && !Array.isArray(doc)
        ? { ...doc, warnings: this.#warnings }
        : doc;
    process.stdout.write(`${jsonText(body)}\n`);
  }

  /** With --debug: an error's causes and stack on stderr. */
  #details(error: unknown): void {
    const cause = causeText(error);
    if (cause) process.stderr.write(`cause: ${diagnostic(cause)}\n`);
    // A stack, line by line: its first line is the message, which may quote a registry.
    if (error instanceof Error && error.stack) {
      for (const line of error.stack.split("\n")) process.stderr.write(`${diagnostic(line)}\n`);
    }
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
