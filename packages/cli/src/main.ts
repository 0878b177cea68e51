// Runs one `toci` invocation and returns its exit code: 0 success, 1 failure, 2 usage, 130 interrupted.
import { CommanderError } from "commander";
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError } from "./errors.js";
import { Output } from "./output.js";
import { buildProgram, type ProgramState } from "./program.js";
import { version } from "./version.js";

/** Runs `toci` with `argv` (without the node and script paths); resolves the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  // With --json, one JSON document on stdout and nothing on stderr: commander's own messages are silenced too.
  const json = argv.includes("--json");
  const controller = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(EXIT_INTERRUPTED); // a second Ctrl-C: stop now
    interrupted = true;
    if (!json) {
      process.stderr.write(
        state.interruptNote ??
          "\ninterrupted: stopping… (what was transferred is kept; run the same command again to resume)\n",
      );
    }
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  const state: ProgramState = { signal: controller.signal, json };
  const program = buildProgram(state, version());
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed its message ("error: unknown option '--x'") and the usage hint already.
      if (error.exitCode === 0) return EXIT_OK;
      if (json) {
        const message = error.message.replace(/^error: /, "");
        process.stdout.write(`${JSON.stringify({ error: { name: "UsageError", code: "USAGE", message } }, null, 2)}\n`);
      }
      return EXIT_USAGE;
    }
    state.failure = error;
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
  if (state.failure === undefined) return EXIT_OK;
  const out = state.out ?? new Output({ json });
  if (interrupted) {
    // The interruption was said on stderr; a JSON reader gets its one document.
    if (json) out.error(state.failure);
    return EXIT_INTERRUPTED;
  }
  out.error(state.failure);
  return state.failure instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
}
