// Authenticate with a user name and password: sent as Basic, or exchanged at the registry's token server for
// bearer tokens, whichever the registry asks for.
//   REGISTRY=localhost:5001 REPO=samples/hello TOCI_USERNAME=me TOCI_PASSWORD=secret node dist/samples/auth.js
import { Client, consoleLogger } from "@toci/client";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";

const registryUrl = process.env.REGISTRY ?? "localhost:5001";
const repoName = process.env.REPO ?? "samples/hello";
const username = process.env.TOCI_USERNAME ?? "";
const password = process.env.TOCI_PASSWORD ?? "";

await using client = new Client({
  transport: fetchTransport(),
  store: memoryStore(),
  logger: consoleLogger(), // every error, with its OciError code, goes to the console
});
const registry = client.registry(registryUrl, { auth: { type: "basic", username, password } });

const ok = await registry.ping();
console.log(`ping as ${username}: ${ok}`);
if (!ok) process.exit(1);
console.log(`${repoName} tags: ${(await registry.repo(repoName).tags()).join(", ")}`);
