// Bodies stream through the relay both ways: 256 MiB up to a real registry and down again through a relay in its
// own process, whose peak RSS (VmHWM, Linux) must not grow with the blob. A relay that buffered a body whole would
// grow by 256 MiB at least; the bound is far below that. The figures are printed (never asserted as times).
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { seededStream } from "@toci/testkit/fixtures";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { afterAll, beforeAll, expect, it } from "vitest";

const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const PAGE = "http://app.example";
const SEED = "relay-memory";

let registry: RunningRegistry;
let child: ChildProcess;
let relayUrl: string;

/** A line of /proc/<pid>/status in MiB (VmRSS: now; VmHWM: the peak so far). */
function memory(pid: number, field: "VmRSS" | "VmHWM"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return Number(line![1]) / 1024;
}

async function digestOfSeeded(): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of seededStream(SEED, SIZE)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

beforeAll(async () => {
  registry = await startRegistry();
  const options = { upstreams: [{ url: registry.url, name: "reg" }], allowOrigins: [PAGE], fetch: "node" };
  child = spawn(process.execPath, [new URL("./relay-process.mjs", import.meta.url).pathname, JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  relayUrl = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (line: Buffer) => resolve(JSON.parse(line.toString()).url));
    child.once("exit", (code) => reject(new Error(`the relay process exited (${code})`)));
  });
}, 60_000);

afterAll(async () => {
  child?.kill();
  await registry?.stop();
});

it("streams 256 MiB up and down with a flat peak RSS", async () => {
  const digest = await digestOfSeeded();
  const base = `${relayUrl}/reg/v2/big`;
  const headers = { origin: PAGE };
  await (await fetch(`${relayUrl}/reg/v2/`, { headers })).arrayBuffer();
  const before = memory(child.pid!, "VmHWM");

  let started = performance.now();
  const post = await fetch(`${base}/blobs/uploads/`, { method: "POST", headers });
  expect(post.status).toBe(202);
  const location = post.headers.get("location")!;
  expect(location.startsWith(`${base}/blobs/uploads/`)).toBe(true);
  const put = await fetch(`${location}&digest=${encodeURIComponent(digest)}`, {
    method: "PUT",
    headers: { ...headers, "content-type": "application/octet-stream", "content-length": String(SIZE) },
    body: Readable.toWeb(seededStream(SEED, SIZE)) as ReadableStream<Uint8Array>,
    duplex: "half",
  } as RequestInit);
  expect(put.status).toBe(201);
  const up = (performance.now() - started) / 1000;
  const afterUpload = memory(child.pid!, "VmHWM");

  started = performance.now();
  const get = await fetch(`${base}/blobs/${digest}`, { headers });
  expect(get.headers.get("content-length")).toBe(String(SIZE));
  const hash = createHash("sha256");
  let bytes = 0;
  const reader = get.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    hash.update(read.value);
    bytes += read.value.byteLength;
  }
  const down = (performance.now() - started) / 1000;
  expect(bytes).toBe(SIZE);
  expect(`sha256:${hash.digest("hex")}`).toBe(digest);
  const after = memory(child.pid!, "VmHWM");

  const mbps = (s: number) => (SIZE / 1e6 / s).toFixed(0);
  console.log(
    `relay, 256 MiB: up ${up.toFixed(2)} s (${mbps(up)} MB/s), down ${down.toFixed(2)} s (${mbps(down)} MB/s); ` +
      `relay peak RSS ${before.toFixed(1)} MiB before, ${afterUpload.toFixed(1)} after the upload, ${after.toFixed(1)} after the download`,
  );
  // Flat: a relay holding the body would add 256 MiB; allow the allocator and undici's buffers some room.
  expect(after - before).toBeLessThan(64);
}, 180_000);
