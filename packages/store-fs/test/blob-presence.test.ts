// existsAll(): which of many blobs the layout holds, told by one bounded listing of blobs/<alg>/ instead of a stat of
// each (internal/blob-listing.ts). Absent names cost no stat; a listed name is still stat'ed (size, regular file);
// a directory of many more blobs than asked is not listed to its end, and the blobs are stat'ed instead.
import { execFileSync } from "node:child_process";
import * as nodeFs from "node:fs/promises";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Descriptor, describe as describeBytes } from "@toci/spec-types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FsPromises, fsStore } from "../src/index.js";
import { blobFile, putBytes, tempDir } from "./helpers.js";

let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir, dispose } = await tempDir("toci-presence-"));
});
afterEach(async () => {
  await dispose();
});

const bytes = (text: string) => new TextEncoder().encode(text);

/** node:fs/promises, counting the stats of blob files and the entries read from listings. */
function countingFs(withOpendir = true) {
  const counts = { blobStats: 0, entriesRead: 0, listings: 0 };
  const real = nodeFs as unknown as FsPromises;
  const fs: FsPromises = {
    ...real,
    lstat: (path) => {
      if (path.includes(`${join("blobs", "sha256")}/`)) counts.blobStats++;
      return real.lstat(path);
    },
    stat: (path) => real.stat(path),
    opendir: undefined,
  };
  if (withOpendir) {
    fs.opendir = async (path, options) => {
      counts.listings++;
      const opened = await nodeFs.opendir(path, options);
      return {
        read: async () => {
          const entry = await opened.read();
          if (entry) counts.entriesRead++;
          return entry;
        },
        close: () => opened.close(),
      };
    };
  }
  return { fs, counts };
}

async function descriptors(prefix: string, count: number): Promise<Descriptor[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => describeBytes(bytes(`${prefix} ${i}`))));
}

describe("existsAll of a layout", () => {
  it("answers blobs absent from one listing, without a stat each; stats only the names it lists", async () => {
    const { fs, counts } = countingFs();
    const store = await fsStore(dir, { fs });
    const wanted = await descriptors("blob", 200);
    // A new layout: no blobs/sha256/ yet.
    expect(await store.existsAll(wanted)).toEqual(wanted.map(() => false));
    expect(counts.blobStats).toBe(0);
    for (let i = 0; i < 150; i++) await putBytes(store, bytes(`blob ${i}`));
    counts.blobStats = 0;
    counts.listings = 0;
    const answers = await store.existsAll(wanted);
    expect(answers).toEqual(wanted.map((_, i) => i < 150));
    expect(counts.blobStats).toBe(150);
    expect(counts.listings).toBe(1);
  });

  it("a blob it found absent is then written as usual", async () => {
    const store = await fsStore(dir);
    const wanted = await descriptors("written", 10);
    expect(await store.existsAll(wanted)).toEqual(wanted.map(() => false));
    for (let i = 0; i < 10; i++) await putBytes(store, bytes(`written ${i}`));
    expect(await store.existsAll(wanted)).toEqual(wanted.map(() => true));
  });

  it("stats each blob instead when the directory holds many more blobs than asked, without listing it all", async () => {
    const { fs, counts } = countingFs();
    const store = await fsStore(dir, { fs });
    for (let i = 0; i < 200; i++) await putBytes(store, bytes(`many ${i}`));
    const asked = [...(await descriptors("many", 4)), ...(await descriptors("not there", 4))];
    counts.blobStats = 0;
    expect(await store.existsAll(asked)).toEqual([true, true, true, true, false, false, false, false]);
    // 8 asked: at most 16 names read per blob asked before giving up, then a stat each.
    expect(counts.listings).toBe(1);
    expect(counts.entriesRead).toBeLessThanOrEqual(16 * 8 + 1);
    expect(counts.blobStats).toBe(8);
  });

  it("stats a few blobs rather than list for them", async () => {
    const { fs, counts } = countingFs();
    const store = await fsStore(dir, { fs });
    const asked = await descriptors("few", 3);
    expect(await store.existsAll(asked)).toEqual([false, false, false]);
    expect(counts.listings).toBe(0);
    expect(counts.blobStats).toBe(3);
  });

  it("on a file system that cannot list a batch at a time, stats each blob", async () => {
    const { fs, counts } = countingFs(false);
    const store = await fsStore(dir, { fs });
    const wanted = await descriptors("plain", 20);
    for (let i = 0; i < 5; i++) await putBytes(store, bytes(`plain ${i}`));
    counts.blobStats = 0;
    expect(await store.existsAll(wanted)).toEqual(wanted.map((_, i) => i < 5));
    expect(counts.blobStats).toBe(20);
  });

  it("a listed name that is a link, a FIFO or of the wrong size is not a present blob", async () => {
    const store = await fsStore(dir);
    const wanted = await descriptors("planted", 12);
    const [link, fifo, short] = wanted as [Descriptor, Descriptor, Descriptor];
    const target = join(dir, "elsewhere");
    await writeFile(target, bytes("planted 0"));
    await mkdir(join(dir, "blobs", "sha256"), { recursive: true });
    await symlink(target, blobFile(dir, link.digest));
    execFileSync("mkfifo", [blobFile(dir, fifo.digest)]);
    await writeFile(blobFile(dir, short.digest), bytes("planted"));
    for (let i = 3; i < 12; i++) await putBytes(store, bytes(`planted ${i}`));
    expect(await store.existsAll(wanted)).toEqual(wanted.map((_, i) => i >= 3));
    expect(await Promise.all(wanted.map((d) => store.exists(d)))).toEqual(wanted.map((_, i) => i >= 3));
  });
});
