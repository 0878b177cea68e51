// npm run bench -w @toci/client: toci against skopeo, side by side in the same run, on a local distribution 2.8.2
// (reference/perf-baselines.md for what these machines do). Rounds are interleaved (skopeo, toci, skopeo, toci…)
// so that both see the same machine; the table gives medians and the toci ÷ skopeo ratio (< 1: toci is faster).
// Whole processes are timed (start-up included) and their peak RSS and CPU seconds read by /usr/bin/time (CPU
// seconds hold up on a machine shared with other jobs; wall seconds do not). Writes
// bench-results/client.md. ROUNDS=3 by default; BENCH=pull,push,meta selects groups; BIG_MIB=256 per big layer;
// TOCI_TRANSPORTS=node,fetch the transports toci runs with (each a column, interleaved with skopeo in each round).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@toci/client";
import { memoryStore } from "@toci/store-memory";
import {
  manyLayersImage,
  multiArchIndex,
  pushWithSkopeo,
  writeLargeLayerImage,
  writeLayout,
} from "@toci/testkit/fixtures";
import { startRegistry } from "@toci/testkit/registry";
import { fetchTransport } from "@toci/transport-fetch";
import { nodeTransport } from "@toci/transport-node";

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const GROUPS = new Set((process.env.BENCH ?? "pull,push,meta").split(","));
const BIG = Number(process.env.BIG_MIB ?? 256) * 1024 * 1024;
const TAG = "v1";
const TRANSPORTS = (process.env.TOCI_TRANSPORTS ?? "node,fetch").split(",");
const makeTransport = { node: () => nodeTransport(), fetch: () => fetchTransport() };

const work = mkdtempSync(join(tmpdir(), "toci-bench-"));
const registry = await startRegistry({});
const host = registry.host;
const rows = [];
try {
  // Test images, as OCI layouts (perf-kit/build-images.sh's three, made by testkit).
  const layouts = {};
  const sizes = {};
  process.stderr.write("building images…\n");
  layouts.big = join(work, "img-big");
  const big = await writeLargeLayerImage(layouts.big, { size: BIG, layers: 4, seed: "bench-big", tag: TAG });
  sizes.big = big.blobs.reduce((n, b) => n + b.descriptor.size, 0);
  layouts.many = join(work, "img-many");
  const many = manyLayersImage({ seed: "bench-many" });
  writeLayout(layouts.many, many, TAG);
  sizes.many = many.blobs.reduce((n, b) => n + b.descriptor.size, 0);
  layouts.multi = join(work, "img-multi");
  const multi = multiArchIndex({ seed: "bench-multi", layerSizes: [16 << 20, 16 << 20, 16 << 20] });
  writeLayout(layouts.multi, multi, TAG);
  sizes.multiArm = multi.images[1].blobs.reduce((n, b) => n + b.descriptor.size, 0);
  process.stderr.write("pushing them with skopeo…\n");
  for (const name of ["big", "many", "multi"]) await pushWithSkopeo(layouts[name], TAG, registry, name);

  // skopeo as a first-time user: as root it keeps a blob-info cache that turns pushes to a new repository into
  // mounts (perf-kit/skopeo-fresh); a private mount namespace gives each call an empty one.
  const freshCache = process.getuid?.() === 0 && spawnSync("unshare", ["--version"]).status === 0;
  if (freshCache) mkdirSync("/var/lib/containers/cache", { recursive: true });
  const skopeo = (...args) => {
    if (!freshCache) return ["skopeo", ["--insecure-policy", ...args]];
    const cache = mkdtempSync(join(work, "skopeo-cache-"));
    return [
      "unshare",
      [
        "-m",
        "sh",
        "-c",
        'mount --bind "$0" /var/lib/containers/cache && exec skopeo --insecure-policy "$@"',
        cache,
        ...args,
      ],
    ];
  };
  // toci.mjs reads TOCI_TRANSPORT; `timed` passes the transport of the column through the environment.
  const toci = (...args) => ["node", [join(here, "toci.mjs"), ...args]];
  const fresh = () => mkdtempSync(join(work, "out-"));
  const url = registry.url;

  const pair = async (label, bytes, skopeoCmd, tociCmd, setup = () => {}) => {
    const s = [];
    const t = Object.fromEntries(TRANSPORTS.map((name) => [name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [list, make, transport] of [[s, skopeoCmd], ...TRANSPORTS.map((name) => [t[name], tociCmd, name])]) {
        const ctx = setup() ?? {};
        list.push(timed(...make(ctx), transport));
        ctx.cleanup?.();
      }
    }
    const toci = Object.fromEntries(TRANSPORTS.map((name) => [name, summarize(t[name])]));
    rows.push({ label, bytes, skopeo: summarize(s), toci });
    process.stderr.write(
      `${label}: skopeo ${fmt(summarize(s))}, ${TRANSPORTS.map((n) => `toci/${n} ${fmt(toci[n])}`).join(", ")}\n`,
    );
  };

  if (GROUPS.has("pull")) {
    const outDir = () => {
      const dir = fresh();
      return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    };
    await pair(
      `pull big (4 × ${BIG >> 20} MiB)`,
      sizes.big,
      (c) =>
        skopeo("copy", "-q", "--all", "--src-tls-verify=false", `docker://${host}/big:${TAG}`, `oci:${c.dir}:${TAG}`),
      (c) => toci("pull", url, "big", TAG, c.dir),
      outDir,
    );
    await pair(
      "pull many (200 × 64 KiB)",
      sizes.many,
      (c) =>
        skopeo("copy", "-q", "--all", "--src-tls-verify=false", `docker://${host}/many:${TAG}`, `oci:${c.dir}:${TAG}`),
      (c) => toci("pull", url, "many", TAG, c.dir),
      outDir,
    );
    await pair(
      "pull one platform of multi (linux/arm64, 3 × 16 MiB)",
      sizes.multiArm,
      (c) =>
        skopeo(
          "copy",
          "-q",
          "--override-arch",
          "arm64",
          "--override-os",
          "linux",
          "--src-tls-verify=false",
          `docker://${host}/multi:${TAG}`,
          `oci:${c.dir}:${TAG}`,
        ),
      (c) => toci("pull", url, "multi", TAG, c.dir, "linux/arm64"),
      outDir,
    );
  }

  if (GROUPS.has("push")) {
    let n = 0;
    const target = () => {
      const repo = `push-${n++}`;
      return { repo };
    };
    await pair(
      `push big (4 × ${BIG >> 20} MiB) to a new repository`,
      sizes.big,
      (c) =>
        skopeo(
          "copy",
          "-q",
          "--all",
          "--dest-tls-verify=false",
          `oci:${layouts.big}:${TAG}`,
          `docker://${host}/${c.repo}:${TAG}`,
        ),
      (c) => toci("push", url, c.repo, TAG, layouts.big),
      target,
    );
    await pair(
      "push many (200 × 64 KiB) to a new repository",
      sizes.many,
      (c) =>
        skopeo(
          "copy",
          "-q",
          "--all",
          "--dest-tls-verify=false",
          `oci:${layouts.many}:${TAG}`,
          `docker://${host}/${c.repo}:${TAG}`,
        ),
      (c) => toci("push", url, c.repo, TAG, layouts.many),
      target,
    );
    await pair(
      "re-push many where it already is (no-op)",
      0,
      () =>
        skopeo(
          "copy",
          "-q",
          "--all",
          "--dest-tls-verify=false",
          `oci:${layouts.many}:${TAG}`,
          `docker://${host}/many:${TAG}`,
        ),
      () => toci("push", url, "many", TAG, layouts.many),
    );
    await pair(
      "copy big between repositories of one registry",
      sizes.big,
      (c) =>
        skopeo(
          "copy",
          "-q",
          "--all",
          "--src-tls-verify=false",
          "--dest-tls-verify=false",
          `docker://${host}/big:${TAG}`,
          `docker://${host}/${c.repo}:${TAG}`,
        ),
      (c) => toci("copy", url, "big", TAG, c.repo),
      target,
    );
  }

  if (GROUPS.has("meta")) {
    // In-process latency of sequential metadata operations over one client, against a raw node:http keep-alive
    // loop doing the same requests (the ceiling: perf-baselines.md "Metadata").
    const N = 200;
    const clients = Object.fromEntries(
      TRANSPORTS.map((name) => [name, new Client({ transport: makeTransport[name](), store: memoryStore() })]),
    );
    const repos = Object.fromEntries(TRANSPORTS.map((name) => [name, clients[name].registry(url).repo("many")]));
    for (const repo of Object.values(repos)) await repo.resolve(TAG);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const raw = (method, path, accept) =>
      new Promise((resolve, reject) => {
        const req = http.request(`${url}${path}`, { method, agent, headers: accept ? { accept } : {} }, (res) => {
          res.resume();
          res.on("end", resolve);
        });
        req.on("error", reject);
        req.end();
      });
    const accept = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json";
    const ops = [
      ["ping (GET /v2/)", (n) => clients[n].registry(url).ping(), () => raw("GET", "/v2/")],
      ["resolve (HEAD manifest)", (n) => repos[n].resolve(TAG), () => raw("HEAD", `/v2/many/manifests/${TAG}`, accept)],
      ["tags (GET tags/list)", (n) => repos[n].tags(), () => raw("GET", "/v2/many/tags/list")],
    ];
    for (const [label, tociOp, rawOp] of ops) {
      const r = [];
      const t = Object.fromEntries(TRANSPORTS.map((name) => [name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        r.push(await perOp(rawOp, N));
        for (const name of TRANSPORTS) t[name].push(await perOp(() => tociOp(name), N));
      }
      const toci = Object.fromEntries(TRANSPORTS.map((name) => [name, median(t[name])]));
      rows.push({ label: `${label}, ms per op (${N} sequential)`, meta: true, raw: median(r), toci });
      process.stderr.write(
        `${label}: node:http ${median(r).toFixed(2)} ms, ${TRANSPORTS.map((n) => `toci/${n} ${toci[n].toFixed(2)} ms`).join(", ")}\n`,
      );
    }
    for (const client of Object.values(clients)) await client.close();
    agent.destroy();
  }
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}

const lines = [
  `# toci vs skopeo (medians of ${ROUNDS}; whole processes; MB/s = 10^6 B/s; node ${process.version}; ${new Date().toISOString()})`,
  "",
  `| work | skopeo | ${TRANSPORTS.map((n) => `toci (${n})`).join(" | ")} | ${TRANSPORTS.map((n) => `${n} ÷ skopeo`).join(" | ")} | peak RSS MiB: skopeo / ${TRANSPORTS.join(" / ")} | CPU s (user+sys): skopeo / ${TRANSPORTS.join(" / ")} |`,
  `|---|---|${TRANSPORTS.map(() => "---|---|").join("")}---|---|`,
];
for (const row of rows) {
  if (row.meta) {
    lines.push(
      `| ${row.label} | node:http keep-alive ${row.raw.toFixed(2)} | ${TRANSPORTS.map((n) => row.toci[n].toFixed(2)).join(" | ")} | ${TRANSPORTS.map((n) => `${(row.toci[n] / row.raw).toFixed(2)} (vs node:http)`).join(" | ")} | — | — |`,
    );
    continue;
  }
  const rate = (s) => (row.bytes ? ` (${(row.bytes / 1e6 / s.seconds).toFixed(0)} MB/s)` : "");
  lines.push(
    `| ${row.label} | ${row.skopeo.seconds.toFixed(2)} s${rate(row.skopeo)} | ${TRANSPORTS.map((n) => `${row.toci[n].seconds.toFixed(2)} s${rate(row.toci[n])}`).join(" | ")} | ${TRANSPORTS.map((n) => `**${(row.toci[n].seconds / row.skopeo.seconds).toFixed(2)}**`).join(" | ")} | ${row.skopeo.rss} / ${TRANSPORTS.map((n) => row.toci[n].rss).join(" / ")} | ${row.skopeo.cpu.toFixed(2)} / ${TRANSPORTS.map((n) => row.toci[n].cpu.toFixed(2)).join(" / ")} |`,
  );
}
console.log(lines.join("\n"));
const out = join(here, "../../../bench-results");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "client.md"), `${lines.join("\n")}\n`);

function timed(cmd, args, transport) {
  const env = transport ? { ...process.env, TOCI_TRANSPORT: transport } : process.env;
  const started = process.hrtime.bigint();
  const res = spawnSync("/usr/bin/time", ["-f", "%M %U %S", cmd, ...args], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
    env,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${res.stderr}`);
  const [rssKiB, user, sys] = res.stderr.trim().split("\n").at(-1).split(" ").map(Number);
  return { seconds, rss: Math.round(rssKiB / 1024), cpu: user + sys };
}

function summarize(list) {
  return {
    seconds: median(list.map((x) => x.seconds)),
    rss: median(list.map((x) => x.rss)),
    cpu: median(list.map((x) => x.cpu)),
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function perOp(fn, n) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - started) / 1e6 / n;
}

function fmt(x) {
  return `${x.seconds.toFixed(2)} s, ${x.rss} MiB`;
}

void execFileSync;
