// The soak's process (issue 9, "Load"): pulls and pushes against a registry, `concurrency` at a time, for a bounded
// time, then one JSON line of figures on stdout. A process of its own, run with --expose-gc, so that the heap it
// measures after gc() is toci's alone (not a vitest worker's) and its file descriptors are only its own.
//   node --expose-gc soak.mjs <registry-url> <repo> <store-dir> <fetch|node> <ops> <concurrency> <seconds>
// The image to pull is `<repo>:v1` (pushed beforehand); pushes go to `<repo>-push`. Env: TOCI_SOAK_SNAPSHOTS=<dir>
// writes heap snapshots at the end of the first and of the last quarter (for diffing by constructor).
import { readdir, readlink } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";
import { Client } from "@toci/client";
import { describe as describeContent } from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { fetchTransport } from "@toci/transport-fetch";
import { nodeTransport } from "@toci/transport-node";

const [url, name, dir, kind, opsArg, concurrencyArg, secondsArg] = process.argv.slice(2);
const OPS = Number(opsArg);
const CONCURRENCY = Number(concurrencyArg);
const SECONDS = Number(secondsArg);
const SNAPSHOTS = process.env.TOCI_SOAK_SNAPSHOTS;
if (typeof globalThis.gc !== "function") throw new Error("run with --expose-gc");

/**
 * The fds of this process, and how many of them are sockets. /dev/null is not counted: libuv opens it once per event
 * loop, with the loop's first stream, and keeps it for its EMFILE fallback (whether that happens before the first
 * count depends only on what the process touched first).
 */
async function handles() {
  let fds = 0;
  let sockets = 0;
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
    if (target === "/dev/null") continue;
    fds++;
    if (target.startsWith("socket:")) sockets++;
  }
  return { fds, sockets };
}

/**
 * Live heap and RSS after a full collection (twice: the first one's finalizers free more in the second). `objects`
 * is the heap without V8's code spaces: compiled code keeps growing for a while as V8 optimises hot functions
 * (~0.5 KiB per operation over the first thousand here, in the heap diff), which is not something toci holds on to.
 */
function memory() {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, rss, external } = process.memoryUsage();
  const code = getHeapSpaceStatistics()
    .filter((s) => s.space_name.startsWith("code"))
    .reduce((sum, s) => sum + s.space_used_size, 0);
  return { heapUsed, objects: heapUsed - code, rss, external };
}

// Fast retries, as in the other integration tests; with no injected faults there should be none anyway.
const transport =
  kind === "node"
    ? nodeTransport({ retry: { backoffBase: 20, backoffMax: 200 } })
    : fetchTransport({ retry: { backoffBase: 20, backoffMax: 200 } });
const errors = [];
const logger = {
  debug() {},
  info() {},
  warn() {},
  error(message, fields) {
    errors.push(`${fields?.error?.code ?? "?"} ${message}`);
  },
};
// Before anything opens a file or a socket: what the process holds when toci is closed again.
const initial = await handles();
const store = await fsStore(dir);
const client = new Client({ transport, store, logger, concurrency: 4 });
const registry = client.registry(url);

/** A pull whose blobs are then dropped again, so that the next pull downloads them instead of finding them. */
async function pull() {
  let last;
  for await (const e of registry.repo(name).pull("v1")) last = e;
  if (last?.type !== "progress" || last.percent !== 100) return `pull: ${JSON.stringify(last)}`;
  const root = await store.resolve(`${registry.name}/${name}:v1`);
  if (!root) return "pull: the tag is not in the store";
  const chunks = [];
  for await (const c of await store.fetch(root)) chunks.push(c);
  const manifest = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  // Layers and config only: the manifest stays, so a concurrent pull that skipped it still names a stored root.
  for (const blob of [manifest.config, ...manifest.layers]) await store.remove(blob);
  return undefined;
}

/** A blob push of bytes no other operation pushes (so the registry really receives it). */
async function push(i) {
  const bytes = new TextEncoder().encode(`soak blob ${process.pid} ${i} ${"x".repeat(Math.abs(i) % 4096)}`);
  const desc = await describeContent(bytes);
  let last;
  for await (const e of registry.repo(`${name}-push`).push(bytes, desc)) last = e;
  return last?.type !== "progress" || last.percent !== 100 ? `push: ${JSON.stringify(last)}` : undefined;
}

// Warm up (JIT, the connection pool, the store's directories, the registry's abilities) before the baseline is
// taken: two rounds, as one left the baseline heap ~0.2 MiB above the end's (code not yet optimised, then flushed).
for (let round = 0; round < 2; round++) {
  await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, i) => (i % 2 === 0 ? pull() : push(-1 - i - round * CONCURRENCY))),
  );
}
await sleep(100);
const before = await handles();
const baseline = memory();
const samples = [baseline];

const deadline = Date.now() + SECONDS * 1000;
// Memory is sampled 20 times over the run (every 5%), at least every 8 operations.
const every = Math.max(8, Math.floor(OPS / 20));
let next = 0;
let done = 0;
const failures = [];
const worker = async () => {
  while (next < OPS && Date.now() < deadline) {
    const i = next++;
    try {
      const failure = i % 2 === 0 ? await pull() : await push(i);
      if (failure) failures.push(`op ${i} ${failure}`);
    } catch (error) {
      failures.push(`op ${i} threw: ${String(error)}`);
    }
    done++;
    if (done % every === 0) {
      samples.push(memory());
      if (SNAPSHOTS && (done === every * 5 || done === every * 20))
        writeHeapSnapshot(`${SNAPSHOTS}/${kind}-${done}.heapsnapshot`);
    }
  }
};
const started = Date.now();
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const seconds = (Date.now() - started) / 1000;
// Idle again, as at the baseline (the same wait: the last responses' sockets back in the pool, their timers settled):
// what the heap holds now that it did not then is what the operations left behind.
await sleep(100);
const end = memory();
samples.push(end);

await client.close();
await sleep(200);
const closed = await handles();
// fetch's pool is undici's global one, not the transport's: its idle sockets close after undici's keep-alive timeout
// (4 s), so a leaked socket is one still open after that. transport-node closes its own agents at close().
await sleep(kind === "fetch" ? 4_500 : 200);
const after = await handles();

console.log(
  JSON.stringify({
    transport: kind,
    ops: done,
    planned: OPS,
    seconds,
    failures,
    errors,
    initial,
    before,
    closed,
    after,
    baseline,
    end,
    samples,
  }),
);
