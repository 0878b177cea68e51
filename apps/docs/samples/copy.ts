// Copy an image from one repository to another, registry to registry: blobs stream through (nothing lands in the
// store), are mounted when both repositories are on the same registry, and are skipped when already there.
//   SOURCE=localhost:5001/samples/hello:v1 TARGET=localhost:5001/samples/copy:v1 node dist/samples/copy.js
import { Client, parseReference } from "@toci/client";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";

const source = parseReference(process.env.SOURCE ?? "localhost:5001/samples/hello:v1");
const target = parseReference(process.env.TARGET ?? "localhost:5001/samples/copy:v1");

await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
const from = client.registry(source.registry).repo(source.repository);
const to = client.registry(target.registry).repo(target.repository);

for await (const event of client.copy(from, source.digest ?? source.tag ?? "latest", to, { tag: target.tag })) {
  if (event.type === "failed") {
    console.error(`copy failed: ${event.error.code}: ${event.error.message}`);
    process.exitCode = 1;
  } else if (event.percent === 100) console.log(`copied ${source} to ${target} (${event.totalBytes} bytes)`);
}
console.log(`${target} is ${(await to.resolve(target.tag ?? "latest"))?.digest}`);
