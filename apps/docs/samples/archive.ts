// Export an image as a tar that `docker load` or `skopeo copy oci-archive:` reads, then import that tar into another
// store, as `toci export` and `toci import` do.
//   REGISTRY=localhost:5001 REPO=samples/rootfs TAG=v1 FORMAT=docker node dist/samples/archive.js
import { createWriteStream, openAsBlob } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { exportArchive, importArchive } from "@toci/archive";
import { Client, type Descriptor } from "@toci/client";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";

const registryUrl = process.env.REGISTRY ?? "localhost:5001";
const repoName = process.env.REPO ?? "samples/rootfs";
const tag = process.env.TAG ?? "v1";
const format = process.env.FORMAT === "docker" ? "docker" : "oci";

await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
const repo = client.registry(registryUrl).repo(repoName);

let root: Descriptor | undefined;
for await (const event of repo.pull(tag)) {
  if (event.type === "failed") throw event.error;
  root = event.root;
}
if (!root) throw new Error("the pull did not end");

// #region archive
// The tar streams out of the store; a full reference as the name gives `docker load` its RepoTags.
const file = join(await mkdtemp(join(tmpdir(), "toci-archive-")), "image.tar");
const name = `${repo.reference}:${tag}`;
const tar = await exportArchive(client.store, root, { format, name });
await tar.pipeTo(Writable.toWeb(createWriteStream(file)));
console.log(`wrote ${format} archive ${file}`);

// Back in: every blob verified on the way; the roots the archive held come back, named as the archive names them.
const store = memoryStore();
for (const imported of await importArchive(store, await openAsBlob(file))) {
  console.log(`imported ${imported.digest} (${imported.mediaType})`);
}
const names = (await store.list()).map((entry) => entry.annotations?.["io.containerd.image.name"]);
console.log(`the store names it ${names.join(", ")}`);
// #endregion archive
