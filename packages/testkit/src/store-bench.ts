// `npm run bench` for stores (Node only): write and read one blob through a Store, next to plain node:fs on the
// same bytes, and print MB/s (10^6 bytes per second). The bytes are generated once, before any timing, and
// written in 1 MiB chunks as a pull hands them over; reads consume the verified stream.
import { randomFillSync } from "node:crypto";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Descriptor, digestOf, type Store } from "@toci/spec-types";

const MiB = 1024 * 1024;

/** One row of the report. */
export interface BenchRow {
  name: string;
  writeMBps: number;
  readMBps: number;
}

/** Options for {@link benchStores}. */
export interface BenchOptions {
  /** @default 268435456 (256 MiB) */
  size?: number;
  /** Rounds per store; the median is printed. @default 3 */
  rounds?: number;
}

/** A store to measure; `make` is called once per round, `dispose` after it. */
export interface BenchSubject {
  name: string;
  make: () => Promise<{ store: Store; dispose?: () => Promise<void> }>;
}

/** Measures every subject and the node:fs baseline, prints a table, and returns the rows. */
export async function benchStores(subjects: BenchSubject[], options: BenchOptions = {}): Promise<BenchRow[]> {
  const size = options.size ?? 256 * MiB;
  const rounds = options.rounds ?? 3;
  const bytes = new Uint8Array(size);
  randomFillSync(bytes); // random: compressible bytes flatter some stores (docs/architecture.md §6 item 6)
  const descriptor: Descriptor = { mediaType: "application/octet-stream", digest: await digestOf(bytes), size };
  const rows: BenchRow[] = [];

  rows.push(await median("node:fs writeFile + readFile (no fsync)", rounds, () => plainFs(bytes, false)));
  rows.push(await median("node:fs writeFile + fsync + readFile", rounds, () => plainFs(bytes, true)));
  for (const subject of subjects) {
    rows.push(
      await median(subject.name, rounds, async () => {
        const { store, dispose } = await subject.make();
        try {
          return await throughStore(store, descriptor, bytes);
        } finally {
          await dispose?.();
        }
      }),
    );
  }
  const mb = (size / 1e6).toFixed(0);
  console.log(`\n${size / MiB} MiB blob (${mb} MB), median of ${rounds}; MB/s = 10^6 bytes/s`);
  console.log(`${"".padEnd(48)} ${"write MB/s".padStart(11)} ${"read MB/s".padStart(10)}`);
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(48)} ${row.writeMBps.toFixed(0).padStart(11)} ${row.readMBps.toFixed(0).padStart(10)}`,
    );
  }
  return rows;
}

async function median(
  name: string,
  rounds: number,
  once: () => Promise<{ write: number; read: number }>,
): Promise<BenchRow> {
  const writes: number[] = [];
  const reads: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const { write, read } = await once();
    writes.push(write);
    reads.push(read);
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return { name, writeMBps: mid(writes), readMBps: mid(reads) };
}

async function throughStore(store: Store, d: Descriptor, bytes: Uint8Array): Promise<{ write: number; read: number }> {
  let start = performance.now();
  const ingest = await store.ingest(d, { resume: false });
  for (let at = 0; at < bytes.length; at += MiB) await ingest.write(bytes.subarray(at, at + MiB));
  await ingest.commit();
  const write = rate(bytes.length, start);
  start = performance.now();
  const reader = (await store.fetch(d)).getReader();
  let seen = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen += value.byteLength;
  }
  if (seen !== bytes.length) throw new Error(`read ${seen} of ${bytes.length} bytes`);
  return { write, read: rate(bytes.length, start) };
}

async function plainFs(bytes: Uint8Array, fsync: boolean): Promise<{ write: number; read: number }> {
  const dir = await mkdtemp(join(tmpdir(), "toci-bench-"));
  const path = join(dir, "blob");
  try {
    let start = performance.now();
    if (fsync) {
      const handle = await open(path, "w");
      await handle.writeFile(bytes);
      await handle.sync();
      await handle.close();
    } else {
      await writeFile(path, bytes);
    }
    const write = rate(bytes.length, start);
    start = performance.now();
    const back = await readFile(path);
    if (back.length !== bytes.length) throw new Error("short read");
    return { write, read: rate(bytes.length, start) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function rate(bytes: number, start: number): number {
  return bytes / 1e6 / ((performance.now() - start) / 1000);
}
