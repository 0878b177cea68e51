// Pushing, as shown in guide/push.md.
import { describe } from "@toci/spec-types";
import type { Client, Descriptor, Repository } from "./support.js";

export async function blob(repo: Repository): Promise<Descriptor> {
  // #region blob
  const data = new TextEncoder().encode("hello from toci");
  const expected = await describe(data, { mediaType: "text/plain" }); // digest and size, streamed
  for await (const event of repo.push(data, expected)) {
    if (event.type === "failed") throw event.error;
  }
  // #endregion blob
  return expected;
}

export async function tree(client: Client, source: Repository, target: Repository): Promise<Descriptor | undefined> {
  // #region tree
  // Pull an image into the store, then push the whole tree (blobs first, manifests children first, the root
  // last) to another repository under a new tag. What the registry has already is skipped (HEAD first).
  for await (const event of source.pull("v1")) if (event.type === "failed") throw event.error;
  const root = await client.store.resolve(`${source.reference}:v1`);
  if (!root) throw new Error("not in the store");
  for await (const event of target.push(root, { tag: "v1-copy" })) {
    if (event.type === "failed") throw event.error;
  }
  // #endregion tree
  return target.resolve("v1-copy");
}

export async function resumable(repo: Repository, file: Blob): Promise<boolean> {
  // #region resumable
  // A Blob (`fs.openAsBlob(path)` in Node, a File from an <input> in a browser) can be read again from any
  // offset, so a push of one is resumable: the same call with the same `expected` continues the upload session
  // from the registry's offset, within a run and after a restart (the store keeps the session when it can).
  const expected = await describe(file.stream(), { mediaType: "application/octet-stream" });
  for (let attempt = 1; attempt <= 3; attempt++) {
    let failed = false;
    for await (const event of repo.push(file, expected)) {
      if (event.type === "failed") failed = event.error.temporary; // NETWORK, TIMEOUT, 5xx, 429: try again
    }
    if (!failed) return repo.exists(expected);
  }
  return false;
  // #endregion resumable
}

export async function tagAndDelete(repo: Repository): Promise<boolean> {
  // #region tag
  const manifest = await repo.resolve("v1");
  if (!manifest) return false;
  await repo.tag(manifest, ["stable", "2026.1"]); // several tags at once where the registry supports it
  // Delete by descriptor: the manifest goes, with every tag on it (distribution 2.8.2 cannot delete one tag).
  const deleted = await repo.delete(manifest);
  // #endregion tag
  return deleted;
}
