// Pull one platform of a multi-platform image: the matching manifest is stored and named with the tag (as skopeo
// does), the index is not.
//   REGISTRY=localhost:5001 REPO=samples/hello TAG=v1 PLATFORM=linux/arm64 node dist/samples/pull-platform.js
import { Client, type Platform } from "@toci/client";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";

const registryUrl = process.env.REGISTRY ?? "localhost:5001";
const repoName = process.env.REPO ?? "samples/hello";
const tag = process.env.TAG ?? "v1";
const [os, architecture] = (process.env.PLATFORM ?? "linux/arm64").split("/");

await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
const repo = client.registry(registryUrl).repo(repoName);

// A platform is a predicate, a Platform object, or a string such as "linux/arm64/v8".
const platform = (p: Platform) => p.os === os && p.architecture === architecture;

const manifest = await repo.resolve(tag, { platform });
if (!manifest) {
  console.error(`no ${os}/${architecture} manifest for ${repo.reference}:${tag}`);
  process.exit(1);
}
console.log(`${os}/${architecture} is ${manifest.digest}`);

for await (const event of repo.pull(tag, { platform })) {
  if (event.type === "failed") {
    console.error(`pull failed: ${event.error.code}: ${event.error.message}`);
    process.exitCode = 1;
  } else if (event.percent === 100) {
    console.log(`pulled ${event.totalBytes} bytes`);
  }
}
const stored = await client.store.resolve(tag);
console.log(`the tag names ${stored?.digest} in the store`);
