#!/usr/bin/env node
// The `toci` command. Everything is in main.ts, loaded only when a command needs it: `toci --version` answers from
// here, so that it costs what bare Node's start-up costs (main.js and what it imports are ~130 KB of bundle to
// load; measured, 1.3 × `node -e 0` with them, 1.0 × without). This file only runs main and exits with its code.
// As shipped, main is one CommonJS script beside this file (dist-bin/main.cjs), run through a V8 code cache
// (code-cache.ts, imported only then: node:crypto and node:vm would cost `--version` its start-up); tsc's dist/bin.js,
// in a checkout, imports the modules as they are.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { version } from "./version.js";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`${version()}\n`);
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
