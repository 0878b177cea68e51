#!/usr/bin/env node
// toci-test-registry: start a throw-away distribution 2.8.2 registry for manual tests, the CLI's docs and
// scripts. Prints the registry's info as one JSON line, then stays up until SIGINT/SIGTERM.
//
//   node packages/testkit/bin/registry.mjs start [--auth none|htpasswd|token] [--tls] [--client-ca] [--no-delete]
//                                                [--expires-in SECONDS] [--key-mode kid|x5c]
import { startRegistry } from "../dist/registry/index.js";

const USAGE =
  "usage: registry.mjs start [--auth none|htpasswd|token] [--tls] [--client-ca] [--no-delete] [--expires-in S] [--key-mode kid|x5c]";

const args = process.argv.slice(2);
if (args[0] !== "start") {
  console.error(USAGE);
  process.exit(2);
}
const options = { auth: "none", tls: false, deleteEnabled: true, token: {} };
for (let i = 1; i < args.length; i++) {
  const arg = args[i];
  if (arg === "--auth" && ["none", "htpasswd", "token"].includes(args[i + 1])) options.auth = args[++i];
  else if (arg === "--tls") options.tls = true;
  else if (arg === "--client-ca") options.clientCa = true;
  else if (arg === "--no-delete") options.deleteEnabled = false;
  else if (arg === "--expires-in" && Number(args[i + 1]) > 0) options.token.expiresIn = Number(args[++i]);
  else if (arg === "--key-mode" && ["kid", "x5c"].includes(args[i + 1])) options.token.keyMode = args[++i];
  else {
    console.error(`unknown or incomplete option ${arg}\n${USAGE}`);
    process.exit(2);
  }
}

let registry;
try {
  registry = await startRegistry(options);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
console.log(JSON.stringify({ ...registry.info, startMs: registry.startMs }));

const stop = async () => {
  await registry.stop();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
