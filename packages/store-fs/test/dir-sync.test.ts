// The group commit of directory syncs: concurrent commits share fsyncs, and nobody is told "durable" by a sync
// that started before its own rename.
import type { Descriptor, Digest } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import type { FsFileHandle, FsPromises } from "../src/fs-api.js";
import { syncDir } from "../src/internal/dir-sync.js";

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

describe("a large blob's early syncs", () => {
  it("syncs while writing (every 32 MiB), and still once more before the commit renames", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const nodeFs = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { createHash } = await import("node:crypto");
    const { fsStore } = await import("../src/index.js");
    const dir = await mkdtemp(join(tmpdir(), "toci-early-sync-"));
    try {
      const events: string[] = [];
      let written = 0;
      // node:fs/promises, with every file handle's writes and syncs recorded.
      const fs = {
        ...nodeFs,
        open: async (path: string, flags: string, mode?: number) => {
          const handle = await nodeFs.open(path, flags, mode);
          const blobFile = /\/ingest\/sha256-/.test(path);
          return {
            write: async (b: Uint8Array, o: number, l: number, p: number | null) => {
              const r = await handle.write(b, o, l, p);
              if (blobFile) written += r.bytesWritten;
              return r;
            },
            read: (b: Uint8Array, o: number, l: number, p: number | null) => handle.read(b, o, l, p),
            sync: async () => {
              if (blobFile) events.push(`sync@${written}`);
              await handle.sync();
            },
            close: () => handle.close(),
          };
        },
      } as unknown as FsPromises;
      const store = await fsStore(join(dir, "layout"), { fs });
      const size = 80 * 1024 * 1024;
      const chunk = new Uint8Array(1024 * 1024).fill(7);
      const hash = createHash("sha256");
      for (let i = 0; i < size / chunk.length; i++) hash.update(chunk);
      const descriptor: Descriptor = {
        mediaType: "application/octet-stream",
        digest: `sha256:${hash.digest("hex")}` as Digest,
        size,
      };
      events.length = 0;
      written = 0;
      const ingest = await store.ingest(descriptor);
      for (let i = 0; i < size / chunk.length; i++) await ingest.write(chunk);
      await ingest.commit();
      const at = events.map((e) => Number(e.slice(5)));
      // At 32 MiB, and at 64 MiB unless the first was still running then (one at a time).
      expect(at.filter((n) => n < size).length).toBeGreaterThanOrEqual(1);
      expect(at.filter((n) => n < size).every((n) => n >= 32 * 1024 * 1024)).toBe(true);
      expect(at.at(-1)).toBe(size); // the commit's own, after the last byte
      expect(await store.exists(descriptor)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a failed early sync", () => {
  it("fails the commit with STORE (the commit's own fsync could succeed after lost pages) and stores nothing", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const nodeFs = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { createHash } = await import("node:crypto");
    const { fsStore } = await import("../src/index.js");
    const dir = await mkdtemp(join(tmpdir(), "toci-early-sync-eio-"));
    try {
      let failed = 0;
      // node:fs/promises whose first fsync of a blob file fails with EIO, as a writeback error reports once.
      const fs = {
        ...nodeFs,
        open: async (path: string, flags: string, mode?: number) => {
          const handle = await nodeFs.open(path, flags, mode);
          const blobFile = /\/ingest\/sha256-/.test(path);
          return {
            write: (b: Uint8Array, o: number, l: number, p: number | null) => handle.write(b, o, l, p),
            read: (b: Uint8Array, o: number, l: number, p: number | null) => handle.read(b, o, l, p),
            sync: async () => {
              if (blobFile && failed++ === 0) throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
              await handle.sync();
            },
            close: () => handle.close(),
          };
        },
      } as unknown as FsPromises;
      const store = await fsStore(join(dir, "layout"), { fs });
      const size = 40 * 1024 * 1024;
      const chunk = new Uint8Array(1024 * 1024).fill(3);
      const hash = createHash("sha256");
      for (let i = 0; i < size / chunk.length; i++) hash.update(chunk);
      const descriptor: Descriptor = {
        mediaType: "application/octet-stream",
        digest: `sha256:${hash.digest("hex")}` as Digest,
        size,
      };
      const ingest = await store.ingest(descriptor);
      for (let i = 0; i < size / chunk.length; i++) await ingest.write(chunk);
      await expect(ingest.commit()).rejects.toMatchObject({ code: "STORE" });
      expect(failed).toBeGreaterThanOrEqual(1);
      expect(await store.exists(descriptor)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
