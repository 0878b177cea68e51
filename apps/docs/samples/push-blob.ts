// Push one blob (no manifest, no tag), then check that the registry has it.
//   REGISTRY=localhost:5001 REPO=samples/blob node dist/samples/push-blob.js
import { Client } from "@toci/client";
import { describe } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";

const registryUrl = process.env.REGISTRY ?? "localhost:5001";
const repoName = process.env.REPO ?? "samples/blob";

await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
const repo = client.registry(registryUrl).repo(repoName);

const data = new TextEncoder().encode("hello from toci");
// The descriptor the registry must end up with: media type, digest and size, computed by streaming the content.
const expected = await describe(data, { mediaType: "text/plain" });

// The same call, made again with the same `expected`, resumes an interrupted upload.
for await (const event of repo.push(data, expected)) {
  if (event.type === "failed") {
    console.error(`push failed: ${event.error.code}: ${event.error.message}`);
    process.exitCode = 1;
  } else console.log(`${event.percent}%`);
}
console.log(`${expected.digest} exists: ${await repo.exists(expected)}`);
