// Wiring a Client in Node and in a browser. Type-checked by `npm run typecheck -w @toci/docs`.
import { Client } from "@toci/client";
import { hasRoomFor } from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { indexedDbStore } from "@toci/store-indexeddb";
import { memoryStore } from "@toci/store-memory";
import { opfsStore } from "@toci/store-opfs";
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

export async function browser(): Promise<void> {
  // #region browser
  const client = new Client({ transport: fetchTransport(), store: await indexedDbStore("my-app") });
  try {
    const repo = client.registry(window.location.origin).repo("library/alpine");
    console.log(await repo.resolve("latest"));
  } finally {
    await client.close(); // plain JavaScript on Node 20 has no `await using`: close in `finally`
  }
  // #endregion browser
}

export async function browserOpfs(): Promise<void> {
  // #region browser-opfs
  // The store's worker writes, hashes and verifies the blobs: the page's main thread only copies bytes.
  const store = await opfsStore("my-app", { persist: true }); // toci-my-app/ in the origin's private file system
  if (!hasRoomFor(await store.estimateSpace(), 256 * 1024 * 1024)) throw new Error("not enough room for 256 MiB");
  const client = new Client({ transport: fetchTransport(), store });
  try {
    for await (const event of client.registry(window.location.origin).repo("library/alpine").pull("latest")) {
      if (event.type === "failed") console.error(event.error.code, event.error.message);
    }
  } finally {
    await client.close();
  }
  // #endregion browser-opfs
}

export function memory(): Client {
  // #region memory
  const client = new Client({ transport: fetchTransport(), store: memoryStore() });
  // #endregion memory
  return client;
}
