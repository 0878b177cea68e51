// Measured in Debian's Chromium with an on-disk (persistent) profile, as users have it: write and read MB/s
// through indexedDbStore for several segment sizes (64 MiB blob), then a 256 MiB blob at the default segment size.
// Random bytes, because Chromium compresses compressible values (docs/architecture.md §6.6).
import { digestOf } from "@toci/spec-types";
import { expect, it } from "vitest";
import { databaseName, indexedDbStore } from "../src/index.js";

const MiB = 1024 * 1024;

function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return bytes;
}

async function once(bytes: Uint8Array, digest: `${string}:${string}`, chunkSize: number) {
  const name = `bench-${chunkSize}-${Date.now()}`;
  const store = await indexedDbStore(name, { chunkSize });
  const d = { mediaType: "application/octet-stream", digest, size: bytes.length };
  try {
    let start = performance.now();
    const ingest = await store.ingest(d);
    for (let at = 0; at < bytes.length; at += MiB) await ingest.write(bytes.subarray(at, at + MiB));
    await ingest.commit();
    const write = bytes.length / 1e6 / ((performance.now() - start) / 1000);
    start = performance.now();
    const reader = (await store.fetch(d)).getReader();
    let seen = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += value.byteLength;
    }
    expect(seen).toBe(bytes.length);
    const read = bytes.length / 1e6 / ((performance.now() - start) / 1000);
    return { write, read };
  } finally {
    await store.close();
    await new Promise((resolve) => {
      indexedDB.deleteDatabase(databaseName(name)).onsuccess = resolve;
    });
  }
}

const lines: string[] = [];

async function row(label: string, bytes: Uint8Array, chunkSize: number, rounds: number) {
  const digest = await digestOf(bytes);
  const writes: number[] = [];
  const reads: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const { write, read } = await once(bytes, digest, chunkSize);
    writes.push(write);
    reads.push(read);
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(0);
  lines.push(`${label.padEnd(44)} ${mid(writes).padStart(11)} ${mid(reads).padStart(10)}`);
}

it("measures segment sizes and a 256 MiB blob in Chromium", async () => {
  lines.push("Chromium IndexedDB (on-disk profile), median of 3; MB/s = 10^6 bytes/s");
  lines.push(`${"".padEnd(44)} ${"write MB/s".padStart(11)} ${"read MB/s".padStart(10)}`);
  const small = randomBytes(64 * MiB);
  for (const chunk of [4, 16, 64]) await row(`64 MiB blob, ${chunk} MiB segments`, small, chunk * MiB, 3);
  const large = randomBytes(256 * MiB);
  await row("256 MiB blob, default (64 MiB) segments", large, 64 * MiB, 3);
  console.log(lines.join("\n")); // one block: vitest prefixes every console.log with a header
}, 600_000);
