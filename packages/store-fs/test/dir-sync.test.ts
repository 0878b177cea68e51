// The group commit of directory syncs: concurrent commits share fsyncs, and nobody is told "durable" by a sync
// that started before its own rename.
import { createHash } from "node:crypto";
import * as nodeFs from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Descriptor, Digest, Ingest } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import type { FsFileHandle, FsPromises } from "../src/fs-api.js";
import { type FsStore, fsStore } from "../src/index.js";
import { syncDir } from "../src/internal/dir-sync.js";
import { earlySyncEvery } from "../src/internal/file-sink.js";

/** A file system whose directory fsyncs finish only when the test says so, recording when each started. */
function slowSyncs() {
  const started: number[] = [];
  const finishers: (() => void)[] = [];
  let clock = 0;
  const handle: FsFileHandle = {
    write: async () => ({ bytesWritten: 0 }),
    read: async () => ({ bytesRead: 0 }),
    sync: () =>
      new Promise<void>((resolve) => {
        started.push(clock);
        finishers.push(resolve);
      }),
    stat: async () => {
      throw new Error("not used");
    },
    close: async () => {},
  };
  const fs = { open: async () => handle } as unknown as FsPromises;
  return {
    fs,
    started,
    tick: () => ++clock,
    now: () => clock,
    /** Finishes the oldest running sync. */
    finish: async () => {
      finishers.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("syncDir", () => {
  it("shares one queued sync among everyone who renamed while another was running", async () => {
    const f = slowSyncs();
    const first = syncDir(f.fs, "/d");
    await settle();
    expect(f.started).toHaveLength(1);
    f.tick(); // renames happen after the first sync started
    const done: number[] = [];
    const later = Array.from({ length: 10 }, (_, i) => syncDir(f.fs, "/d").then(() => done.push(i)));
    await settle();
    expect(f.started).toHaveLength(1); // the queued one waits for the running one
    await f.finish();
    await first;
    expect(done).toEqual([]); // the first sync began before their renames: it does not count for them
    await settle();
    expect(f.started).toEqual([0, 1]); // one more sync, started after the renames
    await f.finish();
    await Promise.all(later);
    expect(done).toHaveLength(10);
    expect(f.started).toHaveLength(2);
  });

  it("keeps directories apart, and starts afresh once everything settled", async () => {
    const f = slowSyncs();
    const a = syncDir(f.fs, "/a");
    const b = syncDir(f.fs, "/b");
    await settle();
    expect(f.started).toHaveLength(2);
    await f.finish();
    await f.finish();
    await Promise.all([a, b]);
    const again = syncDir(f.fs, "/a");
    await settle();
    expect(f.started).toHaveLength(3);
    await f.finish();
    await again;
  });

  it("never fails: a directory that cannot be opened is skipped (the rename stays atomic)", async () => {
    const fs = {
      open: async () => {
        throw Object.assign(new Error("EISDIR"), { code: "EISDIR" });
      },
    } as unknown as FsPromises;
    await expect(syncDir(fs, "/x")).resolves.toBeUndefined();
  });
});

/**
 * node:fs/promises whose blob files (in ingest/) report each sync to `onSync(bytesWrittenSoFar)`, which may throw
 * to make that sync fail.
 */
function watchedFs(onSync: (written: number) => void): FsPromises {
  let written = 0;
  return {
    ...nodeFs,
    open: async (path: string, flags: string | number, mode?: number) => {
      const handle = await nodeFs.open(path, flags, mode);
      const blobFile = /\/ingest\/sha256-/.test(path);
      return {
        write: async (b: Uint8Array, o: number, l: number, p: number | null) => {
          const r = await handle.write(b, o, l, p);
          if (blobFile) written += r.bytesWritten;
          return r;
        },
        read: (b: Uint8Array, o: number, l: number, p: number | null) => handle.read(b, o, l, p),
        stat: () => handle.stat(),
        sync: async () => {
          if (blobFile) onSync(written);
          await handle.sync();
        },
        close: () => handle.close(),
      };
    },
  } as unknown as FsPromises;
}

/** A store on `fs` in a temp dir, and a blob of `mib` MiB of one byte value, written into it through an ingest. */
async function withBigIngest(fs: FsPromises, mib: number, run: (ingest: Ingest, store: FsStore) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "toci-early-sync-"));
  try {
    const store = await fsStore(join(dir, "layout"), { fs });
    const chunk = new Uint8Array(1024 * 1024).fill(mib);
    const hash = createHash("sha256");
    for (let i = 0; i < mib; i++) hash.update(chunk);
    const descriptor: Descriptor = {
      mediaType: "application/octet-stream",
      digest: `sha256:${hash.digest("hex")}` as Digest,
      size: mib * chunk.length,
    };
    const ingest = await store.ingest(descriptor);
    for (let i = 0; i < mib; i++) await ingest.write(chunk);
    await run(ingest, store);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("a large blob's early syncs", () => {
  it("syncs while writing (every quarter of an 80 MiB blob), and still once more before the commit renames", async () => {
    const at: number[] = [];
    const size = 80 * 1024 * 1024;
    await withBigIngest(
      watchedFs((written) => at.push(written)),
      80,
      async (ingest, store) => {
        await ingest.commit();
        // From 20 MiB on (one at a time, so a step that comes while one runs waits for the next write).
        expect(earlySyncEvery(size)).toBe(20 * 1024 * 1024);
        expect(at.filter((n) => n < size).length).toBeGreaterThanOrEqual(1);
        expect(at.filter((n) => n < size).every((n) => n >= 20 * 1024 * 1024)).toBe(true);
        expect(at.at(-1)).toBe(size); // the commit's own, after the last byte
        expect(await store.exists(ingest.descriptor)).toBe(true);
      },
    );
  });

  it("a 16 MiB blob (a platform's layer) is synced as it grows too, so the commit flushes only its tail", async () => {
    const at: number[] = [];
    const size = 16 * 1024 * 1024;
    await withBigIngest(
      watchedFs((written) => at.push(written)),
      16,
      async (ingest, store) => {
        await ingest.commit();
        const early = at.filter((n) => n < size);
        expect(early.length).toBeGreaterThanOrEqual(1);
        expect(early.every((n) => n >= 4 * 1024 * 1024)).toBe(true);
        expect(at.at(-1)).toBe(size);
        expect(await store.exists(ingest.descriptor)).toBe(true);
      },
    );
  });

  it("the interval is a quarter of the blob, from 4 MiB to 32 MiB", () => {
    expect(earlySyncEvery(64 * 1024)).toBe(4 * 1024 * 1024);
    expect(earlySyncEvery(16 * 1024 * 1024)).toBe(4 * 1024 * 1024);
    expect(earlySyncEvery(64 * 1024 * 1024)).toBe(16 * 1024 * 1024);
    expect(earlySyncEvery(256 * 1024 * 1024)).toBe(32 * 1024 * 1024);
    expect(earlySyncEvery(2 ** 40)).toBe(32 * 1024 * 1024);
  });

  it("a failed one fails the commit with STORE (the commit's own fsync could pass after lost pages), storing nothing", async () => {
    let syncs = 0;
    // The first fsync of the blob fails with EIO, as a writeback error is reported once.
    const fs = watchedFs(() => {
      if (syncs++ === 0) throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
    });
    await withBigIngest(fs, 40, async (ingest, store) => {
      await expect(ingest.commit()).rejects.toMatchObject({ code: "STORE" });
      expect(syncs).toBeGreaterThanOrEqual(1);
      expect(await store.exists(ingest.descriptor)).toBe(false);
    });
  });
});
