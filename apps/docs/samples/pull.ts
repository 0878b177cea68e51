// Pull a tag, and everything under it, into an OCI image layout on disk, printing progress as it goes.
//   REGISTRY=localhost:5001 REPO=samples/hello TAG=v1 node dist/samples/pull.js
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@toci/client";
import { fsStore } from "@toci/store-fs";
import { fetchTransport } from "@toci/transport-fetch";

const registryUrl = process.env.REGISTRY ?? "localhost:5001"; // loopback: plain HTTP; anything else: HTTPS
const repoName = process.env.REPO ?? "samples/hello";
const tag = process.env.TAG ?? "v1";
const dir = process.env.STORE ?? (await mkdtemp(join(tmpdir(), "toci-sample-")));

await using client = new Client({ transport: fetchTransport(), store: await fsStore(dir) });
const repo = client.registry(registryUrl).repo(repoName);

for await (const event of repo.pull(tag)) {
  if (event.type === "progress") {
    console.log(`${event.percent}% (${event.bytes} of ${event.totalBytes} bytes)`);
  } else {
    console.error(`pull failed: ${event.error.code}: ${event.error.message}`);
    process.exitCode = 1;
  }
}

// The layout now holds the image; its root is named after the reference.
const root = await client.store.resolve(`${repo.reference}:${tag}`);
console.log(`stored ${root?.digest} (${root?.mediaType}) in ${dir}`);
