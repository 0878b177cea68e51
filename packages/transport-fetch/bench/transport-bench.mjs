// npm run bench -w @toci/transport-fetch
//
// MiB/s of a 256 MiB blob GET through fetchTransport next to curl, against a real registry (the Debian package
// docker-registry, distribution 2.8.2) that this script starts on 127.0.0.1 on a free port and stops again.
// Rows, each the median of ROUNDS interleaved rounds (default 5):
//   curl -o /dev/null              the ceiling of the machine's HTTP path (one process per GET, start included)
//   fetch(), body discarded        Node's fetch alone: what the transport is built on
//   transport, body discarded      fetchTransport: ky, the redirect loop and the body wrapper on top of fetch
//   transport + sha256             the same, hashing every chunk with node:crypto and checking the digest
// then the push of the same blob (POST, then PUT ?digest=) by curl -T and through the transport with a Blob and
// with a stream body, and metadata rows: sequential HEADs and small GETs, through the transport and through fetch(), with the TCP connections that
// undici opened for them (Node's fetch closes the connection after every HEAD: undici client-h1.js, nodejs/undici#258;
// the transport keeps it open, see src/keep-alive-head.ts).
// The table goes to stdout and to bench-results/transport.md at the repository root.

import { execFile, spawn } from "node:child_process";
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
import { fetchTransport } from "../dist/index.js";

const SIZE = Number(process.env.BENCH_SIZE_MIB ?? 256) * 1024 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const METADATA_OPS = 200;
const MiB = 1024 * 1024;
const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const run = promisify(execFile);

let connections = 0;
dc.subscribe("undici:client:connected", () => connections++);

const work = await mkdtemp(join(tmpdir(), "toci-bench-transport-"));
const port = await freePort();
const registry = `http://127.0.0.1:${port}`;
let child;
try {
  child = await startRegistry(work, port);
  const { digest, file } = await pushBlob(work, registry);
  const url = `${registry}/v2/bench/blob/blobs/${digest}`;
  const transport = fetchTransport();
  console.log(`registry ${registry} (distribution ${await registryVersion()}), blob ${SIZE / MiB} MiB ${digest}`);

  const rows = {
    "curl -o /dev/null": async () => {
      const { stdout } = await run("curl", ["-sS", "-o", "/dev/null", "-w", "%{time_total} %{size_download}", url]);
      const [seconds, bytes] = stdout.trim().split(" ").map(Number);
      check(bytes);
      return seconds;
    },
    "fetch(), body discarded": () =>
      timed(async () => {
        const res = await fetch(url);
        let n = 0;
        for await (const chunk of res.body) n += chunk.byteLength;
        check(n);
      }),
    "transport, body discarded": () =>
      timed(async () => {
        const res = await transport.request({ method: "GET", url });
        const reader = res.body.getReader();
        let n = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          n += value.byteLength;
        }
        check(n);
      }),
    "transport + sha256": () =>
      timed(async () => {
        const res = await transport.request({ method: "GET", url });
        const reader = res.body.getReader();
        const hash = createHash("sha256");
        let n = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          hash.update(value);
          n += value.byteLength;
        }
        check(n);
        if (`sha256:${hash.digest("hex")}` !== digest) throw new Error("digest mismatch");
      }),
  };

  const times = Object.fromEntries(Object.keys(rows).map((name) => [name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, fn] of Object.entries(rows)) times[name].push(await fn());
    process.stdout.write(`GET round ${round}/${ROUNDS} done\r`);
  }
  const curl = median(times["curl -o /dev/null"]);

  // Push: the same blob again (distribution answers 201 for a digest it holds, after reading every byte).
  const uploadUrl = async () => {
    const post = await transport.request({ method: "POST", url: `${registry}/v2/bench/blob/blobs/uploads/` });
    await post.body?.cancel();
    const location = new URL(post.headers.get("location"), registry);
    location.searchParams.set("digest", digest);
    return location.href;
  };
  const pushRows = {
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
    "transport PUT, Blob body (fs.openAsBlob)": async () => {
      const target = await uploadUrl();
      return timed(async () => {
        const res = await transport.request({ method: "PUT", url: target, body: await openAsBlob(file) });
        await res.body?.cancel();
        if (res.status !== 201) throw new Error(`PUT: ${res.status}`);
      });
    },
    "transport PUT, ReadableStream body": async () => {
      const target = await uploadUrl();
      return timed(async () => {
        const body = Readable.toWeb(createReadStream(file, { highWaterMark: MiB }));
        const res = await transport.request({ method: "PUT", url: target, body });
        await res.body?.cancel();
        if (res.status !== 201) throw new Error(`PUT: ${res.status}`);
      });
    },
  };
  const pushTimes = Object.fromEntries(Object.keys(pushRows).map((name) => [name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, fn] of Object.entries(pushRows)) pushTimes[name].push(await fn());
    process.stdout.write(`PUT round ${round}/${ROUNDS} done\r`);
  }
  const curlPut = median(pushTimes["curl -T (PUT from the file)"]);

  // Metadata: each row ROUNDS times, interleaved, METADATA_OPS sequential requests each; median ms per request.
  const plainFetch = { request: ({ method, url }) => fetch(url, { method }) };
  const metadataRows = [
    ["transport: HEAD blob", transport, "HEAD", url],
    ["fetch(): HEAD blob", plainFetch, "HEAD", url],
    ["transport: GET /v2/ (2-byte body, read)", transport, "GET", `${registry}/v2/`],
    ["fetch(): GET /v2/ (2-byte body, read)", plainFetch, "GET", `${registry}/v2/`],
  ];
  const metadataTimes = new Map(metadataRows.map(([label]) => [label, { ms: [], connections: 0 }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, client, method, target] of metadataRows) {
      await (await client.request({ method, url: target })).body?.cancel();
      const before = connections;
      const started = performance.now();
      for (let i = 0; i < METADATA_OPS; i++) {
        const res = await client.request({ method, url: target });
        if (res.status !== 200) throw new Error(`${method} ${target}: ${res.status}`);
        if (res.body) await new Response(res.body).arrayBuffer();
      }
      const entry = metadataTimes.get(label);
      entry.ms.push((performance.now() - started) / METADATA_OPS);
      entry.connections = connections - before;
    }
  }
  const metadata = [...metadataTimes].map(([label, { ms, connections }]) => ({ label, ms: median(ms), connections }));

  const lines = [
    `# @toci/transport-fetch: 256 MiB blob GET`,
    "",
    `${new Date().toISOString()} · Node ${process.version} · ${await cpuModel()} · distribution ${await registryVersion()} on 127.0.0.1 · ` +
      `blob ${SIZE / MiB} MiB · median of ${ROUNDS} interleaved rounds (MiB/s = MiB per second)`,
    "",
    "| GET of the blob | median s | MiB/s | vs curl | min–max s |",
    "|---|---|---|---|---|",
    ...Object.entries(times).map(([name, t]) => {
      const m = median(t);
      return `| ${name} | ${m.toFixed(3)} | ${(SIZE / MiB / m).toFixed(0)} | ${(curl / m).toFixed(2)} × | ${Math.min(...t).toFixed(3)}–${Math.max(...t).toFixed(3)} |`;
    }),
    "",
    "| PUT of the blob (monolithic upload) | median s | MiB/s | vs curl | min–max s |",
    "|---|---|---|---|---|",
    ...Object.entries(pushTimes).map(([name, t]) => {
      const m = median(t);
      return `| ${name} | ${m.toFixed(3)} | ${(SIZE / MiB / m).toFixed(0)} | ${(curlPut / m).toFixed(2)} × | ${Math.min(...t).toFixed(3)}–${Math.max(...t).toFixed(3)} |`;
    }),
    "",
    `| ${METADATA_OPS} sequential requests (median of ${ROUNDS}) | ms per request | TCP connections opened (last round) |`,
    "|---|---|---|",
    ...metadata.map((m) => `| ${m.label} | ${m.ms.toFixed(2)} | ${m.connections} |`),
    "",
    "curl's time includes starting its process (~5–10 ms); a PUT's time excludes the POST that opens the session.",
    "\"vs curl\" is curl's time over the row's time (1.00 × = as fast as curl). Node's fetch closes its connection",
    "after every HEAD (undici, on purpose), so each plain fetch() HEAD costs a TCP handshake; the transport sends",
    "HEADs with undici's `reset: false` and reuses one connection, as it does for GETs whose bodies are read or discarded.",
    "",
  ];
  const table = lines.join("\n");
  console.log(`\n${table}`);
  await mkdir(join(root, "bench-results"), { recursive: true });
  await writeFile(join(root, "bench-results/transport.md"), table);
  console.log(`written to ${join(root, "bench-results/transport.md")}`);
} finally {
  if (child?.pid) {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }
  await rm(work, { recursive: true, force: true });
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

  const transport = fetchTransport();
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
