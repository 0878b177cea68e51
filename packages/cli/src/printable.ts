// What the command prints of what came from outside (a registry's error text, tags, annotations such as ref.name,
// file names, URLs) goes through here. A terminal acts on control characters: ESC starts CSI sequences (move the
// cursor, erase a line) and OSC ones (OSC 52 writes the clipboard), CR returns to the line's start, and the C1
// controls (U+0080–U+009F) are the same in one character on terminals that read them. So a registry could overwrite
// a "pulled" line or fill the clipboard. They are shown escaped instead (`\x1b`), like `ls -b` and Go's %q. And a URL
// is shown without its userinfo, query and fragment (pre-signed storage URLs carry a signature there).
import { redactUrls } from "@toci/spec-types";

/** C0 controls, DEL and C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** Options of {@link escapeControls}. */
export interface EscapeOptions {
  /** Control characters kept as they are (a manifest shown on a terminal keeps its line breaks and tabs). @default "" */
  keep?: string;
}

/** The text with every control character (newline, CR and tab included, unless kept) shown as `\xHH`. */
export function escapeControls(text: string, options: EscapeOptions = {}): string {
  const keep = options.keep ?? "";
  return text.replace(CONTROLS, (c) => (keep.includes(c) ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));
}

/** A diagnostic for stderr (an error message, a warning, a --debug line): URLs redacted, controls escaped. */
export function diagnostic(text: string): string {
  return escapeControls(redactUrls(text));
}

/**
 * A JSON document as printed: JSON.stringify escapes C0 controls in strings already, but not DEL and the C1 controls,
 * which are escaped here (still valid JSON: they occur only inside strings).
 */
export function jsonText(doc: unknown): string {
  return JSON.stringify(doc, null, 2).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A copy of a JSON-able value with every URL inside its strings redacted (an error's message, url, cause, detail). */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactUrls(value);
  if (depth > 16 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, depth + 1)]));
}

/**
 * Writes a document a registry served (a manifest, a config) to stdout: its exact bytes to a pipe (their digest is
 * the content's, as crane and oras print them); on a terminal, as text with the control characters a registry could
 * put there shown escaped (line breaks and tabs kept), and a final line break.
 */
export function writeDocument(bytes: Uint8Array): void {
  if (process.stdout.isTTY) {
    process.stdout.write(`${escapeControls(new TextDecoder().decode(bytes), { keep: "\n\t" })}\n`);
  } else process.stdout.write(bytes);
}
