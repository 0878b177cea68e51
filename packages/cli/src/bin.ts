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
  const bundle = fileURLToPath(new URL("./main.cjs", import.meta.url));
  if (!existsSync(bundle)) return (await import("./main.js")).main(argv);
  const { loadBundle } = await import("./code-cache.js");
  const loaded = loadBundle(bundle, { env: process.env, command: argv.find((arg) => !arg.startsWith("-")) });
  const code = await loaded.module.main(argv);
  loaded.save();
  return code;
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
