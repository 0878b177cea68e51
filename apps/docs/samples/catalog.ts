// List a registry's repositories, one page at a time, and the tags of each.
//   REGISTRY=localhost:5001 node dist/samples/catalog.js
import { Client } from "@toci/client";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";

const registryUrl = process.env.REGISTRY ?? "localhost:5001";

await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
const registry = client.registry(registryUrl);

if (!(await registry.ping())) {
  console.error(`${registryUrl} does not answer the OCI distribution API`);
  process.exit(1);
}
// Pages follow the registry's Link header; `n` is the page size.
for await (const page of registry.catalog({ n: 50 })) {
  for (const repo of page) {
    const tags = await repo.tags(); // every page of tags
    console.log(`${repo.name}: ${tags.join(", ") || "(no tags)"}`);
  }
}
