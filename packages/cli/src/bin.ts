#!/usr/bin/env node
// The `toci` command. Everything is in main.ts, loaded only when a command needs it: `toci --version` answers from
// here, so that it costs what bare Node's start-up costs (main.js and what it imports are ~130 KB of bundle to
// load; measured, 1.3 × `node -e 0` with them, 1.0 × without). This file only runs main and exits with its code.
import { version } from "./version.js";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`${version()}\n`);
} else {
  import("./main.js")
    .then(({ main }) => main(argv))
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        process.exit(1);
      },
    );
}
