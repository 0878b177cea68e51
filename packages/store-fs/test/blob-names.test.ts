// The names of committed blobs are made durable once, before index.json names anything (and at close), instead of
// one directory fsync per commit: the order that matters for a power cut is kept (a blob's bytes before its name,
// its name before a root that reaches it), and a pull of many small blobs stops paying a sync per blob.
import * as nodeFs from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeBlob } from "@toci/spec-types";
import { describeBytes } from "@toci/testkit/store-suite";
import { afterEach, describe, expect, it } from "vitest";
import type { FsPromises } from "../src/fs-api.js";
import { fsStore } from "../src/index.js";
import { syncWatchingFs } from "./helpers.js";

/** node:fs/promises recording, in order, every fsync (`sync <path>`) and every rename (`rename <to>`). */
function loggingFs(events: string[]): FsPromises {
  const logged = (path: string, sync: () => Promise<void>) => async () => {
    await sync();
    events.push(`sync ${path}`);
  };
  return syncWatchingFs(logged, {
    rename: async (from: string, to: string) => {
      await nodeFs.rename(from, to);
      events.push(`rename ${to}`);
    },
  });
}

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("the names of committed blobs", () => {
  it("are synced once before index.json names a root, not at every commit, and at close", async () => {
    const dir = await mkdtemp(join(tmpdir(), "toci-blob-names-"));
    dirs.push(dir);
    const events: string[] = [];
    const store = await fsStore(join(dir, "layout"), { fs: loggingFs(events) });
    const blobs = join(dir, "layout", "blobs", "sha256");
    const layers = [];
    for (const text of ["one", "two", "three"]) {
      // Over 256 KiB: a smaller blob is written through (O_DSYNC, write-through.test.ts) and has no sync to see.
      const bytes = new TextEncoder().encode(text.repeat(100_000));
      const d = await describeBytes(bytes);
      await writeBlob(store, d, bytes);
      layers.push(d);
      // The blob's bytes were synced before its name appeared.
      const hex = d.digest.slice("sha256:".length);
      const synced = events.findIndex((e) => e.startsWith("sync ") && e.includes(hex));
      expect(synced).toBeGreaterThanOrEqual(0);
      expect(synced).toBeLessThan(events.indexOf(`rename ${join(blobs, hex)}`));
    }
    expect(events).not.toContain(`sync ${blobs}`);

    const manifest = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, layers }));
    const root = await describeBytes(manifest, "application/vnd.oci.image.manifest.v1+json");
    await writeBlob(store, root, manifest);
    await store.tag(root, "v1");
    const dirSync = events.indexOf(`sync ${blobs}`);
    expect(dirSync).toBeGreaterThan(events.indexOf(`rename ${join(blobs, root.digest.slice(7))}`));
    expect(dirSync).toBeLessThan(events.indexOf(`rename ${join(dir, "layout", "index.json")}`));
    expect(events.filter((e) => e === `sync ${blobs}`)).toHaveLength(1);
    // Nothing renamed in since: another tag syncs nothing more.
    await store.tag(root, "v2");
    expect(events.filter((e) => e === `sync ${blobs}`)).toHaveLength(1);

    events.length = 0;
    const late = new TextEncoder().encode("after the tag");
    await writeBlob(store, await describeBytes(late), late);
    expect(events).not.toContain(`sync ${blobs}`);
    await store.close();
    expect(events).toContain(`sync ${blobs}`);
  });
});
