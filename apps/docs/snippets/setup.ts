// Wiring a Client in Node (in a browser: browser.ts). Type-checked by `npm run typecheck -w @toci/docs`.
import { Client } from "@toci/client";
import { fsStore } from "@toci/store-fs";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";
import { nodeTransport } from "@toci/transport-node";

export async function node(): Promise<void> {
  // #region node
  await using client = new Client({ transport: fetchTransport(), store: await fsStore("./toci-store") });
  const repo = client.registry("ghcr.io").repo("linuxcontainers/alpine");
  console.log(await repo.tags());
  // #endregion node
}

export async function nodeHttp(): Promise<void> {
  // #region node-http
  // node:http instead of fetch: starts faster and lighter (no undici), and takes a private CA per transport.
  const transport = nodeTransport({ ca: process.env.REGISTRY_CA });
  await using client = new Client({ transport, store: await fsStore("./toci-store") });
  console.log(await client.registry("registry.internal:5000").repo("team/app").tags());
  // #endregion node-http
}

export function memory(): Client {
  // #region memory
  const client = new Client({ transport: fetchTransport(), store: memoryStore() });
  // #endregion memory
  return client;
}
