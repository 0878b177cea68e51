// npm run bench -w @toci/transport-node
//
// nodeTransport next to fetchTransport and curl, against a real registry (the Debian package docker-registry,
// distribution 2.8.2) that this script starts on 127.0.0.1 on a free port and stops again. Every group runs
// ROUNDS interleaved rounds (default 5; BENCH_ROUNDS) and reports medians:
//   GET of a 256 MiB blob (BENCH_SIZE_MIB): curl -o /dev/null, then each transport with the body discarded and
//     with sha256 over every chunk (what a pull does before writing);
//   PUT of the same blob (monolithic upload): curl -T, then each transport with a stream body (1 MiB file reads)
//     and a Blob body (fs.openAsBlob);
//   200 sequential HEADs and small GETs through each transport, with the TCP connections each opened;
//   whole processes: `node` importing a transport and sending one GET /v2/ (start-up included), and the peak RSS
//     of a process GETting the blob with sha256 (/usr/bin/time).
// The table goes to stdout and to bench-results/transport-node.md at the repository root.

import { execFile, spawn, spawnSync } from "node:child_process";
import { createHash, randomFillSync } from "node:crypto";
import dc from "node:diagnostics_channel";
import { createReadStream, createWriteStream, openAsBlob } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fetchTransport } from "@toci/transport-fetch";
import { nodeTransport } from "../dist/index.js";

const SIZE = Number(process.env.BENCH_SIZE_MIB ?? 256) * 1024 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const METADATA_OPS = 200;
const MiB = 1024 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");
const run = promisify(execFile);

// Connections opened: node:http's sockets and undici's.
let connections = 0;
dc.subscribe("net.client.socket", () => connections++);
dc.subscribe("undici:client:connected", () => connections++);

const work = await mkdtemp(join(tmpdir(), "toci-bench-transport-node-"));
const port = await freePort();
const registry = `http://127.0.0.1:${port}`;
let child;
const node = nodeTransport();
const fetchT = fetchTransport();
const transports = { node, fetch: fetchT };
try {
  child = await startRegistry(work, port);
  const { digest, file } = await pushBlob(work, registry);
  const url = `${registry}/v2/bench/blob/blobs/${digest}`;
  console.log(`registry ${registry} (distribution ${await registryVersion()}), blob ${SIZE / MiB} MiB ${digest}`);

  const read = async (transport, hash) => {
    const res = await transport.request({ method: "GET", url });
    const reader = res.body.getReader();
    const h = hash ? createHash("sha256") : undefined;
    let n = 0;
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      h?.update(value);
      n += value.byteLength;
      chunks++;
    }
    check(n);
    if (h && `sha256:${h.digest("hex")}` !== digest) throw new Error("digest mismatch");
    return chunks;
  };
  const chunkCounts = {};
  const getRows = {
    "curl -o /dev/null": async () => {
      const { stdout } = await run("curl", ["-sS", "-o", "/dev/null", "-w", "%{time_total} %{size_download}", url]);
      const [seconds, bytes] = stdout.trim().split(" ").map(Number);
      check(bytes);
      return seconds;
    },
  };
  for (const [name, transport] of Object.entries(transports)) {
    getRows[`${name}Transport, body discarded`] = () =>
      timed(async () => {
        chunkCounts[name] = await read(transport, false);
      });
    getRows[`${name}Transport + sha256`] = () => timed(() => read(transport, true));
  }
  const getTimes = await rounds("GET", getRows);

  // Push: the same blob again (distribution answers 201 for a digest it holds, after reading every byte).
  const uploadUrl = async () => {
    const post = await node.request({ method: "POST", url: `${registry}/v2/bench/blob/blobs/uploads/` });
    await post.body?.cancel();
    const location = new URL(post.headers.get("location"), registry);
    location.searchParams.set("digest", digest);
    return location.href;
  };
  const put = async (transport, body) => {
    const target = await uploadUrl();
    return timed(async () => {
      const res = await transport.request({
        method: "PUT",
        url: target,
        headers: { "content-type": "application/octet-stream" },
        body: await body(),
      });
      await res.body?.cancel();
      if (res.status !== 201) throw new Error(`PUT: ${res.status}`);
    });
  };
  const putRows = {
    "curl -T (PUT from the file)": async () => {
      const target = await uploadUrl();
      const { stdout } = await run("curl", [
        ...["-sS", "-o", "/dev/null", "-X", "PUT", "-T", file, "-H", "content-type: application/octet-stream"],
        ...["-w", "%{http_code} %{time_total}", target],
      ]);
      const [status, seconds] = stdout.trim().split(" ").map(Number);
      if (status !== 201) throw new Error(`curl PUT: ${status}`);
      return seconds;
    },
  };
  for (const [name, transport] of Object.entries(transports)) {
    putRows[`${name}Transport, stream body`] = () =>
      put(transport, () => Readable.toWeb(createReadStream(file, { highWaterMark: MiB })));
    putRows[`${name}Transport, Blob body`] = () => put(transport, () => openAsBlob(file));
  }
  const putTimes = await rounds("PUT", putRows);

  // Metadata: METADATA_OPS sequential requests per row and round; median ms per request.
  const metadataRows = [];
  for (const [name, transport] of Object.entries(transports)) {
    metadataRows.push([`${name}Transport: HEAD blob`, transport, "HEAD", url]);
    metadataRows.push([`${name}Transport: GET /v2/ (body read)`, transport, "GET", `${registry}/v2/`]);
  }
  const metadataTimes = new Map(metadataRows.map(([label]) => [label, { ms: [], connections: 0 }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, transport, method, target] of metadataRows) {
      await (await transport.request({ method, url: target })).body?.cancel();
      const before = connections;
      const started = performance.now();
      for (let i = 0; i < METADATA_OPS; i++) {
        const res = await transport.request({ method, url: target });
        if (res.status !== 200) throw new Error(`${method} ${target}: ${res.status}`);
        if (res.body) await new Response(res.body).arrayBuffer();
      }
      const entry = metadataTimes.get(label);
      entry.ms.push((performance.now() - started) / METADATA_OPS);
      entry.connections = connections - before;
    }
  }

  // Whole processes: start-up plus one request, and the peak RSS of a 256 MiB GET with sha256.
  const oneRequest = (name, op) => [
    "node",
    [join(here, "one-request.mjs"), name, op, op === "ping" ? `${registry}/v2/` : url, digest],
  ];
  const processRows = {};
  for (const name of Object.keys(transports)) {
    processRows[`${name}Transport: node process, one GET /v2/`] = () => process1(...oneRequest(name, "ping"));
    processRows[`${name}Transport: node process, GET blob + sha256`] = () => process1(...oneRequest(name, "blob"));
  }
  const processTimes = Object.fromEntries(Object.keys(processRows).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, fn] of Object.entries(processRows)) processTimes[label].push(fn());
  }

  const curlGet = median(getTimes["curl -o /dev/null"]);
  const curlPut = median(putTimes["curl -T (PUT from the file)"]);
  const rate = (name, t, base) => {
    const m = median(t);
    return `| ${name} | ${m.toFixed(3)} | ${(SIZE / MiB / m).toFixed(0)} | ${(base / m).toFixed(2)} × | ${Math.min(...t).toFixed(3)}–${Math.max(...t).toFixed(3)} |`;
  };
  const lines = [
    "# @toci/transport-node vs @toci/transport-fetch: 256 MiB blob GET and PUT, metadata, processes",
    "",
    `${new Date().toISOString()} · Node ${process.version} · ${await cpuModel()} · distribution ${await registryVersion()} on 127.0.0.1 · ` +
      `blob ${SIZE / MiB} MiB · median of ${ROUNDS} interleaved rounds (MiB/s = MiB per second)`,
    "",
    "| GET of the blob | median s | MiB/s | vs curl | min–max s |",
    "|---|---|---|---|---|",
    ...Object.entries(getTimes).map(([name, t]) => rate(name, t, curlGet)),
    "",
    `Chunks per GET: ${Object.entries(chunkCounts)
      .map(([name, n]) => `${name}Transport ${n} (${(SIZE / n / 1024).toFixed(0)} KiB average)`)
      .join(", ")}.`,
    "",
    "| PUT of the blob (monolithic upload) | median s | MiB/s | vs curl | min–max s |",
    "|---|---|---|---|---|",
    ...Object.entries(putTimes).map(([name, t]) => rate(name, t, curlPut)),
    "",
    `| ${METADATA_OPS} sequential requests | ms per request | TCP connections opened (last round) |`,
    "|---|---|---|",
    ...[...metadataTimes].map(
      ([label, { ms, connections }]) => `| ${label} | ${median(ms).toFixed(2)} | ${connections} |`,
    ),
    "",
    "| whole process (start-up included) | median ms | peak RSS MiB |",
    "|---|---|---|",
    ...Object.entries(processTimes).map(
      ([label, list]) =>
        `| ${label} | ${median(list.map((x) => x.ms)).toFixed(0)} | ${median(list.map((x) => x.rss)).toFixed(0)} |`,
    ),
    "",
    "curl's time includes starting its process (~5–10 ms); a PUT's time excludes the POST that opens the session.",
    "\"vs curl\" is curl's time over the row's time (1.00 × = as fast as curl).",
    "",
  ];
  const table = lines.join("\n");
  console.log(`\n${table}`);
  await mkdir(join(root, "bench-results"), { recursive: true });
  await writeFile(join(root, "bench-results/transport-node.md"), table);
  console.log(`written to ${join(root, "bench-results/transport-node.md")}`);
} finally {
  await node.close();
  if (child?.pid) {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }
  await rm(work, { recursive: true, force: true });
}

async function rounds(label, rows) {
  const times = Object.fromEntries(Object.keys(rows).map((name) => [name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, fn] of Object.entries(rows)) times[name].push(await fn());
    process.stdout.write(`${label} round ${round}/${ROUNDS} done\r`);
  }
  return times;
}

function process1(cmd, args) {
  const started = performance.now();
  const res = spawnSync("/usr/bin/time", ["-f", "%M", cmd, ...args], { encoding: "utf8" });
  const ms = performance.now() - started;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${res.stderr}`);
  return { ms, rss: Number(res.stderr.trim().split("\n").at(-1)) / 1024 };
}

function check(bytes) {
  if (bytes !== SIZE) throw new Error(`got ${bytes} bytes, expected ${SIZE}`);
}

async function timed(fn) {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const server = createServer().once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address();
        server.close(() => resolve(port));
      });
    });
    if (port !== 5000) return port;
  }
}

async function startRegistry(dir, port) {
  // registry-recipes.md §1: filesystem storage, deletes on, quiet logs; a secret so it does not warn.
  const config = join(dir, "config.yml");
  await writeFile(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "data")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "  secret: bench-secret-not-for-production",
      "",
    ].join("\n"),
  );
  const proc = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => {
    stderr += d;
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited ${proc.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      await res.arrayBuffer();
      if (res.ok) return proc;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`docker-registry not ready after 10 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Writes SIZE random bytes to a file (hashing them on the way), then pushes it with plain HTTP: POST to open an
// upload session, PUT `<Location>&digest=` with the file as a Blob body — through the transport, streamed.
async function pushBlob(dir, registry) {
  const file = join(dir, "blob.bin");
  const hash = createHash("sha256");
  const out = createWriteStream(file);
  const chunk = Buffer.alloc(MiB);
  for (let written = 0; written < SIZE; written += MiB) {
    randomFillSync(chunk);
    hash.update(chunk);
    if (!out.write(Buffer.from(chunk))) await new Promise((resolve) => out.once("drain", resolve));
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
  const digest = `sha256:${hash.digest("hex")}`;

  const transport = nodeTransport();
  const post = await transport.request({ method: "POST", url: `${registry}/v2/bench/blob/blobs/uploads/` });
  await post.body?.cancel();
  if (post.status !== 202) throw new Error(`POST upload: ${post.status}`);
  const location = new URL(post.headers.get("location"), registry);
  location.searchParams.set("digest", digest);
  const started = performance.now();
  const put = await transport.request({
    method: "PUT",
    url: location.href,
    headers: { "content-type": "application/octet-stream" },
    body: await openAsBlob(file),
  });
  await put.body?.cancel();
  await transport.close();
  if (put.status !== 201) throw new Error(`PUT upload: ${put.status}`);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `pushed ${SIZE / MiB} MiB in ${seconds.toFixed(2)} s (${(SIZE / MiB / seconds).toFixed(0)} MiB/s, Blob body)`,
  );
  return { digest, file };
}

async function registryVersion() {
  try {
    const { stdout } = await run("docker-registry", ["--version"]);
    return (
      stdout
        .trim()
        .split(/\s+/)
        .find((w) => /^v?\d+\.\d+/.test(w)) ?? "?"
    );
  } catch {
    return "?";
  }
}

async function cpuModel() {
  const { cpus } = await import("node:os");
  const list = cpus();
  return `${list.length} × ${list[0]?.model ?? "cpu"}`;
}
