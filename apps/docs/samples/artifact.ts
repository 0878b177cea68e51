// Push two files as an OCI artifact (as `oras push` does), pull it into a store, then list its files and read one.
//   REGISTRY=localhost:5001 REPO=samples/model node dist/samples/artifact.js
import { openAsBlob } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { artifactFiles, Client, type Descriptor } from "@toci/client";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";

const registryUrl = process.env.REGISTRY ?? "localhost:5001";
const repoName = process.env.REPO ?? "samples/model";

await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
const repo = client.registry(registryUrl).repo(repoName);

// #region push
// A file on disk goes in as a Blob (read as it uploads, never whole in memory); text and bytes go in as they are.
const dir = await mkdtemp(join(tmpdir(), "toci-artifact-"));
await writeFile(join(dir, "weights.bin"), new Uint8Array(1024).fill(7));
const files = [
  { name: "weights.bin", data: await openAsBlob(join(dir, "weights.bin")) },
  { name: "README.md", data: "# a tiny model\n", mediaType: "text/markdown" },
];
let pushed: Descriptor | undefined;
for await (const event of repo.pushArtifact(files, { artifactType: "application/vnd.example.model.v1", tag: "v1" })) {
  if (event.type === "failed") throw event.error;
  pushed = event.root; // the last event names the manifest pushed
}
console.log(`pushed ${repoName}:v1 as ${pushed?.digest}`);
// #endregion push

// #region files
// Pull it into the client's store, then read the files from there (each stream verified against its digest).
let pulled: Descriptor | undefined;
for await (const event of repo.pull("v1")) {
  if (event.type === "failed") throw event.error;
  pulled = event.root;
}
if (!pulled) throw new Error("the pull did not end");
const listed = await artifactFiles(client.store, pulled);
for (const file of listed) console.log(`${file.name} ${file.size} bytes ${file.mediaType}`);
const readme = listed.find((file) => file.name === "README.md");
console.log(`README.md says ${JSON.stringify(await (await readme?.blob())?.text())}`);
// #endregion files
