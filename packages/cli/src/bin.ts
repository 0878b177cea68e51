#!/usr/bin/env node
// The `toci` command. Everything is in main.ts, loaded only when a command needs it: `toci --version` answers from
// here, so that it costs what bare Node's start-up costs (main.js and what it imports are ~130 KB of bundle to
// load; measured, 1.3 × `node -e 0` with them, 1.0 × without). This file only runs main and exits with its code.
// It ships as CommonJS (dist-bin/toci.cjs): running an ES module starts Node's ESM loader first, 1.18 × `node -e 0`
// for an empty file, where an empty CommonJS file is 1.0 ×.
// As shipped, main is one CommonJS script beside this file (dist-bin/main.cjs), run through a V8 code cache
// (code-cache.ts, imported only then: node:crypto and node:vm would cost `--version` its start-up); tsc's dist/bin.js,
// in a checkout, imports the modules as they are.
import { existsSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { version } from "./version.js";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  printVersion();
} else {
  run().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}

async function run(): Promise<number> {
  const command = argv.find((arg) => !arg.startsWith("-"));
  // A relay is a server that runs for days: there optimised code pays back what the compiler costs.
  if (command !== "relay") await topTierOff();
  const bundle = fileURLToPath(new URL("./main.cjs", import.meta.url));
  if (!existsSync(bundle)) return (await import("./main.js")).main(argv);
  const { loadBundle } = await import("./code-cache.js");
  const loaded = loadBundle(bundle, { env: process.env, command });
  const code = await loaded.module.main(argv);
  loaded.save();
  return code;
}

/**
 * Keeps V8's optimising compiler (TurboFan, the top tier) out of the command's process. A command's work is native
 * (sockets, hashing, file writes); what it optimises is a little JS per chunk, while the compiler's own memory (its
 * code paged in, its zones on background threads) came to the peak RSS as a pull went on: measured, a pull of
 * 4 × 64 MiB peaked at 64-66 MiB and one of 4 × 256 MiB at 74, and 63-66 for both with the top tier off, at the same
 * speed. `--max-opt=2` leaves the tiers below it (Maglev, where Node has it on) as they are. node:v8 loads modules
 * the command loads anyway (streams), so it is imported here and not for `--version`. Not for `toci relay`.
 */
async function topTierOff(): Promise<void> {
  const { setFlagsFromString } = await import("node:v8");
  setFlagsFromString("--max-opt=2");
}

/**
 * Writes the version straight to file descriptor 1: `process.stdout` is a stream that Node builds on first use, and
 * building it was most of what `toci --version` cost over bare Node's start (1.18 × `node -e 0` with it, 0.99 ×
 * without, measured). A stdout that refuses a synchronous write (a full non-blocking pipe) gets the stream.
 */
function printVersion(): void {
  const line = `${version()}\n`;
  try {
    writeSync(1, line);
  } catch {
    process.stdout.write(line);
  }
}
