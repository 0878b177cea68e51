// Where `toci cat` and `toci blob` write content: a file (`-o FILE`, renamed into place once complete), stdout as
// it is (`-o -`, or stdout that is not a terminal), or a terminal. Content comes from a stranger, and a terminal acts
// on what it is sent, so on a terminal (as curl: "Binary output can mess up your terminal. Use "--output -" to tell
// curl to output it to your terminal anyway") binary content is refused and text is shown with its control
// characters escaped (line breaks and tabs kept), as `toci manifest` shows a manifest.
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { Writable } from "node:stream";
import { UsageError } from "../errors.js";
import { escapeControls } from "../printable.js";
import { toStdout } from "./stdout.js";

/** The `-o` value that means stdout, raw even on a terminal. */
export const STDOUT = "-";

/**
 * Whether a chunk is binary: it holds a NUL byte. curl's test, per buffer: text in any ASCII-compatible encoding
 * has none, and tar, gzip, zstd, ELF and PNG all have NULs in their first bytes.
 */
export function isBinary(chunk: Uint8Array): boolean {
  return chunk.includes(0);
}

/** Writes `stream` to `output` (a file, or {@link STDOUT}), else to stdout, refusing binary on a terminal. */
export async function writeContent(stream: ReadableStream<Uint8Array>, output: string | undefined): Promise<void> {
  if (output !== undefined && output !== STDOUT) return toFile(stream, output);
  if (output === STDOUT || !process.stdout.isTTY) return toStdout(stream);
  if ((await toTerminal(stream)) === "binary") {
    throw new UsageError(
      "not writing binary content to a terminal: -o FILE writes it to a file, -o - to the terminal anyway, or pipe it",
    );
  }
}

/** Text to stdout with control characters escaped; stops (cancelling the stream) at the first binary chunk. */
async function toTerminal(stream: ReadableStream<Uint8Array>): Promise<"text" | "binary"> {
  let binary = false;
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const shown = (text: string) => encoder.encode(escapeControls(text, { keep: "\n\t" }));
  await toStdout(
    stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          if (isBinary(chunk)) {
            binary = true;
            controller.terminate();
          } else controller.enqueue(shown(decoder.decode(chunk, { stream: true })));
        },
        flush(controller) {
          const tail = decoder.decode();
          if (tail) controller.enqueue(shown(tail));
        },
      }),
    ),
  );
  return binary ? "binary" : "text";
}

/** The whole stream into `file`, through a temporary name: a failed copy leaves no partial file under the name. */
async function toFile(stream: ReadableStream<Uint8Array>, file: string): Promise<void> {
  const temp = `${file}.toci-partial-${process.pid}`;
  try {
    await stream.pipeTo(Writable.toWeb(createWriteStream(temp)) as WritableStream<Uint8Array>);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
