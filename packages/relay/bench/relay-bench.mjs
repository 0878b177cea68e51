// npm run bench: a blob up and down through the relay in its own process, next to the same transfers straight to
// the registry, in alternating rounds; medians and the relay's peak RSS. Two relays: Node's fetch (undici) and
// nodeFetch from @toci/relay/node. SIZE_MIB (default 256) and ROUNDS (default 3) change the run.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { seededStream } from "@toci/testkit/fixtures";
import { startRegistry } from "@toci/testkit/registry";

const MiB = 1024 * 1024;
const SIZE = Number(process.env.SIZE_MIB ?? 256) * MiB;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const PAGE = "http://bench.example";

const hwm = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
/** CPU seconds (user + system) a process has used: a figure the other loads of a shared machine do not distort. */
const cpu = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startRelay(registryUrl, fetch) {
  const options = { upstreams: [{ url: registryUrl, name: "reg" }], allowOrigins: [PAGE], fetch };
  const child = spawn(
    process.execPath,
    [new URL("../test/relay-process.mjs", import.meta.url).pathname, JSON.stringify(options)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise((resolve) => child.stdout.once("data", (l) => resolve(JSON.parse(String(l)).url)));
  return { url: `${url}/reg`, child };
}

/** Uploads the seeded blob to `base` (a registry or a relay), then downloads it; seconds of each (and CPU of `pid`). */
async function roundTrip(base, repo, digest, pid) {
  const cpu0 = pid ? cpu(pid) : 0;
  const headers = { origin: PAGE };
  let t = performance.now();
  const post = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: "POST", headers });
  const location = new URL(post.headers.get("location"), base).href;
  const put = await fetch(`${location}${location.includes("?") ? "&" : "?"}digest=${encodeURIComponent(digest)}`, {
    method: "PUT",
    headers: { ...headers, "content-length": String(SIZE), "content-type": "application/octet-stream" },
    body: Readable.toWeb(seededStream("relay-bench", SIZE)),
    duplex: "half",
  });
  if (put.status !== 201) throw new Error(`PUT ${put.status}`);
  const up = (performance.now() - t) / 1000;
  const cpu1 = pid ? cpu(pid) : 0;
  t = performance.now();
  const get = await fetch(`${base}/v2/${repo}/blobs/${digest}`, { headers });
  const hash = createHash("sha256");
  for await (const chunk of get.body) hash.update(chunk);
  if (`sha256:${hash.digest("hex")}` !== digest) throw new Error("digest mismatch");
  const down = (performance.now() - t) / 1000;
  return { up, down, cpuUp: cpu1 - cpu0, cpuDown: (pid ? cpu(pid) : 0) - cpu1 };
}

const registry = await startRegistry();
const hash = createHash("sha256");
for await (const chunk of seededStream("relay-bench", SIZE)) hash.update(chunk);
const digest = `sha256:${hash.digest("hex")}`;
const relays = {
  "relay (undici fetch)": await startRelay(registry.url, "global"),
  "relay (nodeFetch)": await startRelay(registry.url, "node"),
};
const rows = { direct: [], ...Object.fromEntries(Object.keys(relays).map((k) => [k, []])) };
try {
  for (let round = 0; round < ROUNDS; round++) {
    rows.direct.push(await roundTrip(registry.url, `bench/direct${round}`, digest));
    for (const [name, relay] of Object.entries(relays)) {
      rows[name].push(await roundTrip(relay.url, `bench/r${round}`, digest, relay.child.pid));
    }
  }
  const mbps = (s) => (SIZE / 1e6 / s).toFixed(0);
  const base = { up: median(rows.direct.map((r) => r.up)), down: median(rows.direct.map((r) => r.down)) };
  console.log(
    `${SIZE / MiB} MiB blob, ${ROUNDS} rounds, medians (raw: up/down seconds per round); relay CPU = its user+system seconds per transfer`,
  );
  for (const [name, list] of Object.entries(rows)) {
    const up = median(list.map((r) => r.up));
    const down = median(list.map((r) => r.down));
    const rss = relays[name]
      ? `, relay CPU up ${median(list.map((r) => r.cpuUp)).toFixed(2)} s, down ${median(list.map((r) => r.cpuDown)).toFixed(2)} s, peak RSS ${hwm(relays[name].child.pid).toFixed(0)} MiB`
      : "";
    const raw = list.map((r) => `${r.up.toFixed(2)}/${r.down.toFixed(2)}`).join(" ");
    console.log(
      `${name.padEnd(22)} up ${mbps(up).padStart(4)} MB/s (${(up / base.up).toFixed(2)}× direct's time), down ${mbps(down).padStart(4)} MB/s (${(down / base.down).toFixed(2)}×)${rss}  [${raw}]`,
    );
  }
} finally {
  for (const relay of Object.values(relays)) relay.child.kill();
  await registry.stop();
}
