#!/usr/bin/env node
// The `toci` command. Everything is in main.ts; this file only runs it and exits with its code.
import { main } from "./main.js";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
