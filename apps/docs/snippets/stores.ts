// Stores, as shown in guide/stores.md.
import { Client } from "@toci/client";
import { fsStore } from "@toci/store-fs";
import { fetchTransport } from "@toci/transport-fetch";

export async function layout(dir: string): Promise<string[]> {
  // #region layout
  // An OCI image layout (oci-layout, index.json, blobs/sha256/…) that skopeo, umoci and oras read.
  const store = await fsStore(dir);
  await using client = new Client({ transport: fetchTransport(), store });

  for (const root of await store.list()) {
    console.log(root.annotations?.["io.containerd.image.name"], root.digest);
  }
  const root = await store.resolve("v1"); // a tag, a full reference, a digest, or a predicate
  if (root) await store.untag("v1"); // the name goes; the blobs stay until gc()
  const removed = await store.gc(); // every blob no root reaches, and abandoned partial downloads
  // #endregion layout
  void client;
  return removed;
}
