// app.mjs
import { Client, consoleLogger } from "@toci/client";
import { fsStore } from "@toci/store-fs";
import { nodeTransport } from "@toci/transport-node";

const client = new Client({ transport: nodeTransport(), store: await fsStore("toci-store"), logger: consoleLogger() });
const repo = client.registry(process.env.REGISTRY ?? "https://ghcr.io").repo("linuxcontainers/alpine");
for await (const ev of repo.pull("latest", { platform: "linux/arm64" })) {
  if (ev.type === "failed") console.error(ev.error.code, ev.error.message);
  else if (ev.percent === 100) console.log(`pulled ${ev.totalBytes} bytes into ./toci-store`);
}
await client.close();
