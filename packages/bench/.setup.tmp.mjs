import { startRegistry } from "@toci/testkit/registry";
import { buildImages } from "./lib/images.mjs";
const registry = await startRegistry({});
await buildImages("/tmp/tb", registry, 256 << 20);
console.log(JSON.stringify({ url: registry.url, host: registry.host }));
process.on("SIGTERM", async () => { await registry.stop(); process.exit(0); });
setInterval(() => {}, 1 << 30);
