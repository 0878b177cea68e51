// node bench/ingest.mjs [--chunk KiB] [--blobs N] [--mib M] [--rounds R] [--module URL]
// The write path alone: N blobs of M MiB (default 4 × 256 MiB) ingested at once into a fresh layout on disk, as a
// pull with N blobs in flight hands them over, from an in-memory source that reuses one chunk buffer per blob
// (what a transport with reused read buffers does). Commit included (every blob fsync'd, renamed, directory synced).
// Prints, per round and as medians: wall time, MB/s (10^6 bytes/s), user and system CPU seconds, and the peak RSS
// of the process. --module loads another build of the store (to compare two builds in the same rounds). Run after
// `npm run build`.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    chunk: { type: "string", default: "64" },
    blobs: { type: "string", default: "4" },
    mib: { type: "string", default: "256" },
    rounds: { type: "string", default: "3" },
    module: { type: "string", default: "@toci/store-fs" },
  },
});
const CHUNK = Number(values.chunk) * 1024;
const BLOBS = Number(values.blobs);
const SIZE = Number(values.mib) * 1024 * 1024;
const ROUNDS = Number(values.rounds);
const { fsStore } = await import(values.module);

/** 1 MiB of pseudo-random bytes; blob i is this pool rotated by i and chunk offset, so every blob differs. */
const POOL = new Uint8Array(1024 * 1024 + CHUNK);
for (let i = 0, x = 0x9e3779b9; i < POOL.length; i++) {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  POOL[i] = x & 0xff;
}
/** Fills `buffer` with bytes [at, at + buffer.length) of blob `blob`. */
function fill(buffer, blob, at) {
  const start = (at / CHUNK + blob * 7) % 1024;
  buffer.set(POOL.subarray(start, start + buffer.length));
}

const descriptors = [];
for (let b = 0; b < BLOBS; b++) {
  const hash = createHash("sha256");
  const buffer = new Uint8Array(CHUNK);
  for (let at = 0; at < SIZE; at += CHUNK) {
    fill(buffer, b, at);
    hash.update(buffer.subarray(0, Math.min(CHUNK, SIZE - at)));
  }
  descriptors.push({ mediaType: "application/octet-stream", digest: `sha256:${hash.digest("hex")}`, size: SIZE });
}

async function ingestOne(store, descriptor, b) {
  const ingest = await store.ingest(descriptor, { resume: false });
  const buffer = new Uint8Array(CHUNK); // reused: the store may not keep a chunk past its write
  for (let at = 0; at < SIZE; at += CHUNK) {
    fill(buffer, b, at);
    await ingest.write(buffer.subarray(0, Math.min(CHUNK, SIZE - at)));
  }
  await ingest.commit();
}

const rows = [];
for (let round = 0; round < ROUNDS; round++) {
  const dir = await mkdtemp(join(tmpdir(), "toci-ingest-bench-"));
  try {
    const store = await fsStore(dir);
    const cpu = process.cpuUsage();
    const start = performance.now();
    await Promise.all(descriptors.map((d, b) => ingestOne(store, d, b)));
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    await store.close?.();
    const row = { seconds, mbps: (BLOBS * SIZE) / 1e6 / seconds, user: used.user / 1e6, system: used.system / 1e6 };
    rows.push(row);
    console.log(
      `round ${round + 1}: ${seconds.toFixed(2)} s  ${row.mbps.toFixed(0)} MB/s  user ${row.user.toFixed(2)} s  ` +
        `system ${row.system.toFixed(2)} s`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
const median = (key) => rows.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
console.log(
  `${values.module}: ${BLOBS} × ${SIZE / 1024 / 1024} MiB in ${CHUNK / 1024} KiB chunks, median of ${ROUNDS}: ` +
    `${median("seconds").toFixed(2)} s, ${median("mbps").toFixed(0)} MB/s, user ${median("user").toFixed(2)} s, ` +
    `system ${median("system").toFixed(2)} s; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);
