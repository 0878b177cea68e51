// Blob sources are this store's own records (issue 19, "push mounts what the layout does not hold"): a push mounts
// from them, so a layout received from elsewhere must not be able to name a repository for a push to mount from.
// Each record is bound to the blob file it was made for (inode and change time, set by the kernel here), so records
// shipped inside a layout, hand-written ones and those of a blob replaced since count for nothing.
import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import { putImage } from "@toci/testkit/store-suite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsStore } from "../src/index.js";
import { blobFile, tempDir } from "./helpers.js";

let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir, dispose } = await tempDir("toci-fs-sources-"));
});
afterEach(async () => {
  await dispose();
});

const sourcesFile = (layout: string, digest: string) => join(layout, "ingest", "sources", digest.replace(":", "-"));
const sourceLog = (layout: string) => join(layout, "ingest", "sources", "log");

describe("blob sources", () => {
  it("are returned to the store that recorded them, and not to a copy of its layout", async () => {
    const here = join(dir, "here");
    const store = await fsStore(here);
    const { layer, manifest } = await putImage(store, "sourced");
    await store.tag(manifest, "v1");
    await store.recordSource(layer.digest, "registry.example/team/private");
    expect(await store.sources(layer.digest)).toEqual(["registry.example/team/private"]);
    // The layout as someone else receives it: the same files, copied (as tar, rsync or cp do).
    const there = join(dir, "there");
    await nodeFs.cp(here, there, { recursive: true, preserveTimestamps: true });
    expect(await nodeFs.readFile(sourceLog(there), "utf8")).toContain("registry.example/team/private");
    expect(await (await fsStore(there)).sources(layer.digest)).toEqual([]);
  });

  it("a record written into the layout by hand, in any form, names nothing", async () => {
    const store = await fsStore(dir);
    const { layer } = await putImage(store, "planted");
    const stats = await nodeFs.lstat(blobFile(dir, layer.digest));
    await nodeFs.mkdir(join(dir, "ingest", "sources"), { recursive: true });
    // An older toci's line (no identity), a guess of the identity, the identity to the millisecond.
    const guesses = [
      "registry.example/old-format",
      `registry.example/guess\t${stats.ino}:${Math.floor(stats.ctimeMs)}`,
      `registry.example/other-inode\t${stats.ino + 1}:${stats.ctimeMs}`,
    ];
    await nodeFs.writeFile(sourcesFile(dir, layer.digest), `${guesses.join("\n")}\n`);
    await nodeFs.writeFile(sourceLog(dir), guesses.map((line) => `${layer.digest}\t${line}\n`).join(""));
    expect(await store.sources(layer.digest)).toEqual([]);
    await store.recordSource(layer.digest, "registry.example/mine");
    expect(await store.sources(layer.digest)).toEqual(["registry.example/mine"]);
  });

  it("a blob removed and stored again keeps none of the old records; a source recorded before the blob, neither", async () => {
    const store = await fsStore(dir);
    const { layer } = await putImage(store, "replaced");
    await store.recordSource(layer.digest, "registry.example/before");
    await nodeFs.rm(blobFile(dir, layer.digest));
    await store.recordSource(layer.digest, "registry.example/while-absent");
    const ingest = await store.ingest(layer);
    await ingest.write(new TextEncoder().encode("layer of replaced"));
    await ingest.commit();
    expect(await store.sources(layer.digest)).toEqual([]);
    await store.recordSource(layer.digest, "registry.example/after");
    expect(await store.sources(layer.digest)).toEqual(["registry.example/after"]);
  });
});
