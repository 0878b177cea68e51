// The log of blob sources (internal/source-log.ts): a pull's records in one append, an earlier toci's per-blob files
// still read, a torn record read as nothing, concurrent appenders in two processes, and compaction.
import { spawn } from "node:child_process";
import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Descriptor } from "@toci/spec-types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsStore } from "../src/index.js";
import { blobFile, putBytes, tempDir } from "./helpers.js";

const RECORDER = fileURLToPath(new URL("./fixtures/recorder.mjs", import.meta.url));
let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir, dispose } = await tempDir("toci-fs-source-log-"));
});
afterEach(async () => {
  await dispose();
});

const logPath = () => join(dir, "ingest", "sources", "log");
const bytes = (text: string) => new TextEncoder().encode(text);
/** The identity a record of `blob` names (what sources.ts binds it to). */
async function identityOf(blob: Descriptor): Promise<string> {
  const stats = await nodeFs.lstat(blobFile(dir, blob.digest));
  return `${stats.ino}:${stats.ctimeMs}`;
}
/** `count` blobs stored in `store`. */
function putMany(store: Awaited<ReturnType<typeof fsStore>>, count: number, seed: string): Promise<Descriptor[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => putBytes(store, bytes(`${seed} blob ${i}`))));
}

describe("the source log", () => {
  it("takes the records of many blobs in one append; a blob not stored gets none", async () => {
    const store = await fsStore(dir);
    const blobs = await putMany(store, 3, "batch");
    const absent = `sha256:${"cd".repeat(32)}` as const;
    await store.recordSources([
      ...blobs.map((blob, i) => ({ digest: blob.digest, repository: `registry.example/r${i}` })),
      { digest: absent, repository: "registry.example/absent" },
    ]);
    const lines = (await nodeFs.readFile(logPath(), "utf8")).split("\n").filter(Boolean);
    expect(lines).toEqual(
      await Promise.all(blobs.map(async (b, i) => `${b.digest}\tregistry.example/r${i}\t${await identityOf(b)}`)),
    );
    for (const [i, blob] of blobs.entries())
      expect(await store.sources(blob.digest)).toEqual([`registry.example/r${i}`]);
    expect(await store.sources(absent)).toEqual([]);
    // No file per blob any more.
    expect(await nodeFs.readdir(join(dir, "ingest", "sources"))).toEqual(["log"]);
  });

  it("still reads an earlier toci's file of a blob's sources, beside the log", async () => {
    const store = await fsStore(dir);
    const [blob] = await putMany(store, 1, "earlier");
    const file = join(dir, "ingest", "sources", blob!.digest.replace(":", "-"));
    await nodeFs.mkdir(join(dir, "ingest", "sources"), { recursive: true });
    await nodeFs.writeFile(
      file,
      `registry.example/earlier\t${await identityOf(blob!)}\nregistry.example/no-identity\n`,
    );
    expect(await store.sources(blob!.digest)).toEqual(["registry.example/earlier"]);
    await store.recordSource(blob!.digest, "registry.example/now");
    expect((await store.sources(blob!.digest)).sort()).toEqual(["registry.example/earlier", "registry.example/now"]);
    // A second store of the same layout (another process) reads both too.
    expect((await (await fsStore(dir)).sources(blob!.digest)).sort()).toEqual([
      "registry.example/earlier",
      "registry.example/now",
    ]);
  });

  it("a torn record reads as nothing, and the records appended after it read whole", async () => {
    const store = await fsStore(dir);
    const [first, torn] = await putMany(store, 2, "torn");
    await store.recordSource(first!.digest, "registry.example/first");
    const identity = await identityOf(torn!);
    // What a write cut short leaves: a record cut inside its identity, and one cut inside its repository.
    await nodeFs.appendFile(logPath(), `${torn!.digest}\tregistry.example/cut\t${identity.slice(0, -1)}`);
    expect(await store.sources(torn!.digest)).toEqual([]);
    await nodeFs.appendFile(logPath(), `\n${torn!.digest}\tregistry.exa`);
    expect(await store.sources(torn!.digest)).toEqual([]);
    await store.recordSource(torn!.digest, "registry.example/after");
    expect(await store.sources(torn!.digest)).toEqual(["registry.example/after"]);
    expect(await store.sources(first!.digest)).toEqual(["registry.example/first"]);
    expect(await (await fsStore(dir)).sources(torn!.digest)).toEqual(["registry.example/after"]);
  });

  it("two processes appending at once keep every record", async () => {
    const store = await fsStore(dir);
    const blobs = await putMany(store, 200, "concurrent");
    const digests = JSON.stringify(blobs.map((b) => b.digest));
    // Both start appending at the same moment, once both processes are up.
    const startAt = String(Date.now() + 3000);
    const run = (repository: string, batch: number) =>
      new Promise<void>((resolve, reject) => {
        const args = [RECORDER, dir, repository, String(batch), startAt, digests];
        const child = spawn(process.execPath, args, { stdio: "inherit" });
        child.on("error", reject);
        child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`recorder exited ${code}`))));
      });
    await Promise.all([run("registry.example/a", 1), run("registry.example/b", 2)]);
    for (const blob of blobs) {
      expect((await store.sources(blob.digest)).sort()).toEqual(["registry.example/a", "registry.example/b"]);
    }
  }, 60_000);

  it("is compacted when it grows past a MiB, and by gc: only records naming their blob file stay, once each", async () => {
    // Blobs younger than an hour are not gc's to delete: this gc has only the log to compact.
    const store = await fsStore(dir, { gcGracePeriod: 60 * 60 * 1000 });
    const [kept, removed] = await putMany(store, 2, "compacted");
    await store.recordSources([
      { digest: kept!.digest, repository: "registry.example/kept" },
      { digest: kept!.digest, repository: "registry.example/kept" },
      { digest: removed!.digest, repository: "registry.example/removed" },
    ]);
    await store.remove(removed!);
    // Records of blob files long gone (another inode), up to just under a MiB.
    const stale = `${kept!.digest}\tregistry.example/stale\t1:2\n`;
    const size = (await nodeFs.stat(logPath())).size;
    await nodeFs.appendFile(logPath(), stale.repeat(Math.floor((1024 * 1024 - size) / stale.length)));
    expect((await nodeFs.stat(logPath())).size).toBeLessThan(1024 * 1024);
    await store.recordSource(kept!.digest, "registry.example/crossing");
    const lines = (await nodeFs.readFile(logPath(), "utf8")).split("\n").filter(Boolean);
    const identity = await identityOf(kept!);
    expect(lines.sort()).toEqual([
      `${kept!.digest}\tregistry.example/crossing\t${identity}`,
      `${kept!.digest}\tregistry.example/kept\t${identity}`,
    ]);
    expect((await store.sources(kept!.digest)).sort()).toEqual(["registry.example/crossing", "registry.example/kept"]);
    expect(await nodeFs.readdir(join(dir, "ingest", "sources"))).toEqual(["log"]);

    await nodeFs.appendFile(logPath(), stale.repeat(10));
    await store.gc();
    expect((await nodeFs.readFile(logPath(), "utf8")).split("\n").filter(Boolean)).toHaveLength(2);
    expect((await store.sources(kept!.digest)).sort()).toEqual(["registry.example/crossing", "registry.example/kept"]);
  });
});
