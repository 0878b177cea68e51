// List the files of an image (its layers merged, whiteouts applied) and print one, as `toci files` and `toci cat` do.
//   REGISTRY=localhost:5001 REPO=samples/rootfs TAG=v1 FILE=/etc/hostname node dist/samples/image-files.js
import { imageFile, imageFiles } from "@toci/archive";
import { Client, type Descriptor } from "@toci/client";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";

const registryUrl = process.env.REGISTRY ?? "localhost:5001";
const repoName = process.env.REPO ?? "samples/rootfs";
const tag = process.env.TAG ?? "v1";
const path = process.env.FILE ?? "/etc/hostname";
const platform = process.env.PLATFORM; // e.g. linux/arm64, for an index

await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
const repo = client.registry(registryUrl).repo(repoName);

let root: Descriptor | undefined;
for await (const event of repo.pull(tag, platform ? { platform } : {})) {
  if (event.type === "failed") throw event.error;
  root = event.root;
}
if (!root) throw new Error("the pull did not end");

// #region files
for await (const entry of imageFiles(client.store, root)) {
  console.log(`${entry.type.padEnd(9)} ${entry.path}`);
}
const file = await imageFile(client.store, root, path); // symlinks followed inside the image
if (!file) {
  console.log(`${path}: no such file in the image`);
} else {
  console.log(`${path} (${file.size} bytes): ${JSON.stringify(await new Response(file.stream()).text())}`);
}
// #endregion files
