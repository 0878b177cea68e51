// Hash throughput: @toci/spec-types' streaming hashers (node:crypto under the node condition, hash-wasm elsewhere)
// next to coreutils' sha256sum/sha512sum on the same file. MB/s = 10^6 bytes/s; medians of REPS runs.
// Usage: npm run bench -w @toci/spec-types   (SIZE_MIB=256 CHUNK_KIB=1024 REPS=5)
import { execFileSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHasher } from "@toci/spec-types";
import * as web from "../dist/internal/hasher-web.js";

const SIZE = Number(process.env.SIZE_MIB ?? 256) * 1024 * 1024;
const CHUNK = Number(process.env.CHUNK_KIB ?? 1024) * 1024;
const REPS = Number(process.env.REPS ?? 5);

const dir = mkdtempSync(join(tmpdir(), "toci-bench-hash-"));
const file = join(dir, "blob");
{
  const buf = Buffer.allocUnsafe(SIZE);
  for (let off = 0; off < SIZE; off += 65536) randomFillSync(buf, off, Math.min(65536, SIZE - off));
  writeFileSync(file, buf);
}

/** Streams the file through a hasher in CHUNK-sized reads from one reused buffer (what a pull does). */
async function hashFile(make) {
  const hasher = await make();
  const fd = openSync(file, "r");
  const buf = Buffer.allocUnsafe(CHUNK);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      hasher.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hasher.digest().split(":")[1];
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn) {
  const times = [];
  let out;
  for (let i = 0; i < REPS; i++) {
    const t0 = process.hrtime.bigint();
    out = await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { mbs: SIZE / 1e6 / median(times), out };
}

const rows = [];
for (const alg of ["sha256", "sha512"]) {
  const cli = `${alg}sum`;
  const ref = await time(() => execFileSync(cli, [file], { encoding: "utf8" }).split(" ")[0]);
  rows.push([alg, `${cli} (coreutils, whole process)`, ref.mbs, "reference"]);
  const node = await time(() => hashFile(() => createHasher(alg)));
  rows.push([alg, "@toci/spec-types createHasher (node:crypto)", node.mbs, node.out === ref.out ? "ok" : "MISMATCH"]);
  const wasm = await time(() => hashFile(() => web.createHasher(alg)));
  rows.push([alg, "hash-wasm hasher (browser build, run in Node)", wasm.mbs, wasm.out === ref.out ? "ok" : "MISMATCH"]);
}
rmSync(dir, { recursive: true, force: true });

const lines = [
  `# Hash throughput (${SIZE / 1048576} MiB file, ${CHUNK / 1024} KiB reads, median of ${REPS}; MB/s = 10^6 B/s; node ${process.version})`,
  "",
  "| algorithm | implementation | MB/s | digest |",
  "|---|---|---:|---|",
  ...rows.map(([a, impl, mbs, ok]) => `| ${a} | ${impl} | ${mbs.toFixed(0)} | ${ok} |`),
];
console.log(lines.join("\n"));
const out = new URL("../../../bench-results/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "spec-types-hash.md"), `${lines.join("\n")}\n`);
if (rows.some((r) => r[3] === "MISMATCH")) process.exit(1);
