// Wiring a Client in a browser app that pulls: the client's pull entry (@toci/client/pull: the same Client,
// Registry and Repository without push, copy and referrers upkeep, a smaller bundle), fetchTransport and a browser
// store. Type-checked by `npm run typecheck -w @toci/docs`.
// #region imports
import { Client } from "@toci/client/pull"; // an app that pushes too imports it from "@toci/client"
import { hasRoomFor } from "@toci/spec-types";
import { indexedDbStore } from "@toci/store-indexeddb";
import { opfsStore } from "@toci/store-opfs";
import { fetchTransport } from "@toci/transport-fetch";
// #endregion imports

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
