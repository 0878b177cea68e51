// A pull in a process of its own, into a layout that another process may be pulling into at the same time; exits 0
// once the pull succeeded.
//   node puller.mjs <registry-url> <repo> <store-dir>
import { Client } from "@toci/client";
import { fsStore } from "@toci/store-fs";
import { nodeTransport } from "@toci/transport-node";

const [url, repo, dir] = process.argv.slice(2);
const store = await fsStore(dir);
const client = new Client({ transport: nodeTransport({ retry: { backoffBase: 20, backoffMax: 200 } }), store });
let last;
for await (const event of client.registry(url).repo(repo).pull("v1")) last = event;
await client.close();
if (last?.type !== "progress" || last.percent !== 100) {
  process.stderr.write(`pull: ${JSON.stringify(last)}\n`);
  process.exit(1);
}
