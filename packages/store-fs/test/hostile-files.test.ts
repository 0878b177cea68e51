// Non-regular files and symbolic links planted in a layout (issue 19): a layout is a directory anyone may have
// written. Its files are opened with O_NOFOLLOW and O_NONBLOCK and checked with fstat, so a link (to /dev/zero, to a
// file outside) or a FIFO is refused with STORE rather than read without end, waited on for ever, or written
// through; a directory of the layout that is a link is refused, so gc never deletes outside the layout.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import { type Digest, OCI_MANIFEST } from "@toci/spec-types";
import { describeBytes, expectCode, putImage } from "@toci/testkit/store-suite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsStore } from "../src/index.js";
import { blobFile, partialFile, tempDir } from "./helpers.js";

let parent: string;
let dir: string;
let outside: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir: parent, dispose } = await tempDir("toci-fs-planted-"));
  dir = join(parent, "layout");
  outside = join(parent, "outside");
  await nodeFs.mkdir(outside);
});
afterEach(async () => {
  await dispose();
});

const text = (s: string) => new TextEncoder().encode(s);
const fifo = (path: string) => execFileSync("mkfifo", [path]);
/** Replaces `path` with a symbolic link to `target`. */
async function plantLink(path: string, target: string): Promise<void> {
  await nodeFs.rm(path, { recursive: true, force: true });
  await nodeFs.symlink(target, path);
}

/** What a file of the layout is replaced with: a link that reads without end, and a FIFO nobody writes. */
const PLANTED: [string, (path: string) => Promise<void>][] = [
  ["a symbolic link to /dev/zero", (path) => plantLink(path, "/dev/zero")],
  [
    "a FIFO",
    async (path) => {
      await nodeFs.rm(path, { force: true });
      fifo(path);
    },
  ],
];

describe.skipIf(!existsSync("/dev/zero"))("planted files", () => {
  it.each(PLANTED)("index.json as %s is refused with STORE, never read", async (_, plant) => {
    const store = await fsStore(dir);
    const image = await putImage(store, "a");
    await plant(join(dir, "index.json"));
    await expectCode(store.list(), "STORE");
    await expectCode(store.resolve("v1"), "STORE");
    await expectCode(store.tag(image.manifest, "v1"), "STORE");
    await expectCode(store.gc(), "STORE");
    await expectCode(fsStore(dir), "STORE");
  });

  it.each(PLANTED)("oci-layout as %s is refused with STORE when the layout opens", async (_, plant) => {
    await fsStore(dir);
    await plant(join(dir, "oci-layout"));
    await expectCode(fsStore(dir), "STORE");
  });

  it.each(PLANTED)("the index lock as %s is refused with STORE, not waited on", async (_, plant) => {
    const store = await fsStore(dir, { lockTimeout: 60_000 });
    const manifest = await describeBytes(text("{}"), OCI_MANIFEST);
    await plant(join(dir, "ingest", "index.json.lock"));
    await expectCode(store.tag(manifest, "v1"), "STORE");
    await expectCode(store.gc(), "STORE");
  });

  it("a blob that is a link or a FIFO is never read, never present, and never deleted by gc", async () => {
    const store = await fsStore(dir);
    const secret = text("a file outside the layout");
    const linked = await describeBytes(secret);
    await nodeFs.writeFile(join(outside, "secret"), secret);
    await nodeFs.mkdir(join(dir, "blobs", "sha256"), { recursive: true });
    await nodeFs.symlink(join(outside, "secret"), blobFile(dir, linked.digest));
    const piped = { mediaType: "application/octet-stream", digest: `sha256:${"0".repeat(64)}` as Digest, size: 0 };
    fifo(blobFile(dir, piped.digest));
    for (const d of [linked, piped]) {
      await expectCode(store.fetch(d), "STORE");
      expect(await store.exists(d)).toBe(false);
    }
    expect(await store.gc()).toEqual([]);
    expect(await nodeFs.readFile(join(outside, "secret"))).toEqual(Buffer.from(secret));
    expect((await nodeFs.lstat(blobFile(dir, linked.digest))).isSymbolicLink()).toBe(true);
  });

  it("a partial planted as a link is never written through: the ingest starts a file of its own", async () => {
    const store = await fsStore(dir);
    const content = text("the blob's own bytes");
    const d = await describeBytes(content);
    await nodeFs.writeFile(join(outside, "target"), "the blob's");
    await nodeFs.symlink(join(outside, "target"), partialFile(dir, d.digest));
    const ingest = await store.ingest(d);
    expect(ingest.offset).toBe(0);
    await ingest.write(content);
    await ingest.commit();
    expect(await nodeFs.readFile(join(outside, "target"), "utf8")).toBe("the blob's");
    expect((await nodeFs.lstat(blobFile(dir, d.digest))).isFile()).toBe(true);
  });

  it("a sources log planted as a link is not appended to; an upload state that is a FIFO is refused", async () => {
    const store = await fsStore(dir);
    const { layer } = await putImage(store, "linked-log");
    await nodeFs.mkdir(join(dir, "ingest", "sources"), { recursive: true });
    await nodeFs.writeFile(join(outside, "profile"), "mine\n");
    await nodeFs.symlink(join(outside, "profile"), join(dir, "ingest", "sources", "log"));
    await expectCode(store.recordSource(layer.digest, "registry.example/team/app"), "STORE");
    await expectCode(store.recordSources([{ digest: layer.digest, repository: "registry.example/team/app" }]), "STORE");
    await expectCode(store.sources(layer.digest), "STORE");
    expect(await nodeFs.readFile(join(outside, "profile"), "utf8")).toBe("mine\n");
    await store.setUpload("k", { location: "http://127.0.0.1/v2/x/blobs/uploads/1", offset: 0, updatedAt: 1 });
    const [state] = await nodeFs.readdir(join(dir, "ingest", "uploads"));
    await nodeFs.rm(join(dir, "ingest", "uploads", state as string));
    fifo(join(dir, "ingest", "uploads", state as string));
    await expectCode(store.getUpload("k"), "STORE");
  });

  it.each([["blobs"], ["blobs/sha256"], ["ingest"]])(
    "%s as a symbolic link is refused when the layout opens, and gc never deletes through it",
    async (name) => {
      const store = await fsStore(dir);
      const image = await putImage(store, "kept");
      await store.tag(image.manifest, "v1");
      // Outside: what a swapped directory would expose to gc (a blob-named file, a partial-named file).
      const victim = join(outside, "victim");
      await nodeFs.mkdir(join(victim, "sha256"), { recursive: true });
      const blobNamed = join(victim, "sha256", "cd".repeat(32));
      await nodeFs.writeFile(blobNamed, "not toci's");
      await nodeFs.writeFile(join(victim, `sha256-${"cd".repeat(32)}`), "not toci's either");
      const target = name === "blobs/sha256" ? join(victim, "sha256") : victim;
      await plantLink(join(dir, name), target);
      await expectCode(fsStore(dir), "STORE");
      await expectCode(store.gc(), "STORE");
      expect(await nodeFs.readFile(blobNamed, "utf8")).toBe("not toci's");
      expect(await nodeFs.readFile(join(victim, `sha256-${"cd".repeat(32)}`), "utf8")).toBe("not toci's either");
    },
  );

  it("ingest/ swapped for a link while the store is open: a later ingest is refused, nothing written outside", async () => {
    const store = await fsStore(dir);
    const first = text("first blob");
    const ingest = await store.ingest(await describeBytes(first));
    await ingest.write(first);
    await ingest.commit();
    await plantLink(join(dir, "ingest"), outside);
    // The finding that ingest/ is the store's own is trusted for a second at most (a pull of many small blobs).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expectCode(store.ingest(await describeBytes(text("second blob"))), "STORE");
    expect(await nodeFs.readdir(outside)).toEqual([]);
  });
});
