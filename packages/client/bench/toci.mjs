// One toci operation as its own process, the way `toci pull` would run it, so that the benchmark compares whole
// processes with skopeo (start-up included) and /usr/bin/time can read its peak RSS.
//   node toci.mjs pull <registry-url> <repo> <tag> <layout-dir> [platform]
//   node toci.mjs push <registry-url> <repo> <tag> <layout-dir>          (the layout's root named <tag>)
//   node toci.mjs copy <registry-url> <src-repo> <tag> <dst-repo>
import { Client } from "@toci/client";
import { fsStore } from "@toci/store-fs";
import { memoryStore } from "@toci/store-memory";
import { fetchTransport } from "@toci/transport-fetch";

const [op, url, repo, tag, arg, platform] = process.argv.slice(2);
const store = op === "copy" ? memoryStore() : await fsStore(arg);
const client = new Client({
  transport: fetchTransport(),
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
await client.close();
if (last?.type !== "progress" || last.percent !== 100) {
  console.error(JSON.stringify(last));
  process.exit(1);
}
