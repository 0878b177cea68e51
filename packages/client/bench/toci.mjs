// One toci operation as its own process, the way `toci pull` would run it, so that the benchmark compares whole
// processes with skopeo (start-up included) and /usr/bin/time can read its peak RSS.
//   node toci.mjs pull <registry-url> <repo> <tag> <layout-dir> [platform]
//   node toci.mjs push <registry-url> <repo> <tag> <layout-dir>          (the layout's root named <tag>)
//   node toci.mjs copy <registry-url> <src-repo> <tag> <dst-repo>
// TOCI_TRANSPORT=node|fetch picks the transport (default node: @toci/transport-node was the faster one here, with
// the lower start-up and RSS; see run.mjs's table). Only the chosen one is imported, so the other's start-up cost
// (fetch/undici's ~200 ms) is not paid.
import { Client } from "@toci/client";
import { fsStore } from "@toci/store-fs";
import { memoryStore } from "@toci/store-memory";

const [op, url, repo, tag, arg, platform] = process.argv.slice(2);
const transport =
  (process.env.TOCI_TRANSPORT ?? "node") === "fetch"
    ? (await import("@toci/transport-fetch")).fetchTransport()
    : (await import("@toci/transport-node")).nodeTransport();
const store = op === "copy" ? memoryStore() : await fsStore(arg);
const client = new Client({
  transport,
  store,
  concurrency: Number(process.env.TOCI_CONCURRENCY ?? 8),
});
const registry = client.registry(url);
let events;
if (op === "pull") events = registry.repo(repo).pull(tag, platform ? { platform } : {});
else if (op === "push") {
  const root = await store.resolve(tag);
  if (!root) throw new Error(`no root ${tag} in ${arg}`);
  events = registry.repo(repo).push(root, { tag });
} else if (op === "copy") events = client.copy(registry.repo(repo), tag, registry.repo(arg));
else throw new Error(`unknown op ${op}`);
let last;
for await (const e of events) last = e;
await client.close(); // closes the transport too (its keep-alive connections)
if (last?.type !== "progress" || last.percent !== 100) {
  console.error(JSON.stringify(last));
  process.exit(1);
}
