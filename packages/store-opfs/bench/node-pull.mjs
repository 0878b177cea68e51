// One Node pull of an image into a fresh OCI layout, as the toci command does it (nodeTransport + fsStore), timed
// from the pull's start to its last event (the process's start and module loading excluded), with the CPU time it
// took meanwhile (user + system). Prints {"ms": …, "cpuMs": …}.
// Usage: node bench/node-pull.mjs <registry URL> <repository> <tag> <layout dir>
import { Client } from "@toci/client";
import { fsStore } from "@toci/store-fs";
import { nodeTransport } from "@toci/transport-node";

const [registry, repository, tag, dir] = process.argv.slice(2);
const client = new Client({ transport: nodeTransport(), store: await fsStore(dir) });
try {
  const start = performance.now();
  const cpu = process.cpuUsage();
  for await (const event of client.registry(registry).repo(repository).pull(tag)) {
    if (event.type === "failed") throw event.error;
  }
  const { user, system } = process.cpuUsage(cpu);
  process.stdout.write(JSON.stringify({ ms: performance.now() - start, cpuMs: (user + system) / 1000 }));
} finally {
  await client.close();
}
