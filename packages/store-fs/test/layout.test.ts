// What is specific to an OCI image layout on disk: the files it writes (image-spec v1.1.1 image-layout.md),
// layouts written by others, path safety, fault injection on memfs, and safety across real processes.
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  ANNOTATION_CONTAINERD_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  type Descriptor,
  type Digest,
  describe as describeContent,
  isOciError,
  OCI_INDEX,
  OCI_MANIFEST,
  type Store,
} from "@toci/spec-types";
import { describePattern, expectCode, pattern, put, putImage } from "@toci/testkit/store-suite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FsPromises, fsStore } from "../src/index.js";
import { blobFile, memfs, tempDir, writeRest } from "./helpers.js";

const run = promisify(execFile);
const { O_CREAT, O_RDWR, O_WRONLY } = constants;
const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const json = async (path: string) => JSON.parse(await nodeFs.readFile(path, "utf8"));
const fetchAll = async (store: Store, d: Descriptor) =>
  new Uint8Array(await new Response(await store.fetch(d)).arrayBuffer());

let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir, dispose } = await tempDir());
});
afterEach(async () => {
  await dispose();
});

describe("layout files", () => {
  it("creates oci-layout, index.json and blobs/ when absent (image-layout.md)", async () => {
    await fsStore(join(dir, "new"));
    expect(await json(join(dir, "new", "oci-layout"))).toEqual({ imageLayoutVersion: "1.0.0" });
    expect(await json(join(dir, "new", "index.json"))).toEqual({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [],
    });
    expect((await nodeFs.stat(join(dir, "new", "blobs"))).isDirectory()).toBe(true);
  });

  it("writes blobs under blobs/<alg>/<hex> and roots with ref.name and io.containerd.image.name", async () => {
    const store = await fsStore(dir);
    const image = await putImage(store, "a");
    await store.tag(image.manifest, "registry.example:5000/team/app:v1");
    expect(text(await nodeFs.readFile(blobFile(dir, image.layer.digest)))).toBe("layer of a");
    const index = await json(join(dir, "index.json"));
    expect(index.manifests).toEqual([
      {
        mediaType: OCI_MANIFEST,
        digest: image.manifest.digest,
        size: image.manifest.size,
        annotations: {
          [ANNOTATION_REF_NAME]: "v1",
          [ANNOTATION_CONTAINERD_IMAGE_NAME]: "registry.example:5000/team/app:v1",
        },
      },
    ]);
  });

  it("opens a layout written by others: unknown files ignored, their fields in index.json kept", async () => {
    const first = await fsStore(dir);
    const image = await putImage(first, "theirs");
    // skopeo writes oci-layout with a space and index.json without mediaType; docker save adds manifest.json.
    await nodeFs.writeFile(join(dir, "oci-layout"), '{"imageLayoutVersion": "1.0.0"}');
    await nodeFs.writeFile(
      join(dir, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          { ...image.manifest, annotations: { [ANNOTATION_REF_NAME]: "docker.io/library/app:old" } },
          { mediaType: "application/vnd.unknown.thing+json", digest: image.config.digest, size: image.config.size },
        ],
        annotations: { "org.example.kept": "yes" },
      }),
    );
    await nodeFs.writeFile(join(dir, "manifest.json"), "[]");
    await nodeFs.mkdir(join(dir, "blobs", "sha256", "not-a-digest-dir"), { recursive: true });
    await nodeFs.writeFile(join(dir, "blobs", "sha256", "README"), "not a blob");

    const store = await fsStore(dir);
    expect((await store.resolve("docker.io/library/app:old"))?.digest).toBe(image.manifest.digest);
    expect(await store.list()).toHaveLength(2);
    await store.tag(image.manifest, "new");
    const index = await json(join(dir, "index.json"));
    expect(index.annotations).toEqual({ "org.example.kept": "yes" });
    expect(index.manifests).toHaveLength(3);
    await store.untag("docker.io/library/app:old");
    await store.gc();
    expect(text(await nodeFs.readFile(join(dir, "blobs", "sha256", "README")))).toBe("not a blob");
    expect(await store.exists(image.layer)).toBe(true);
  });

  it("refuses a directory whose oci-layout is not a layout file, and reports a corrupt index.json", async () => {
    await nodeFs.writeFile(join(dir, "oci-layout"), "hello");
    await expectCode(fsStore(dir), "STORE");
    const other = join(dir, "other");
    const store = await fsStore(other);
    await nodeFs.writeFile(join(other, "index.json"), "{not json");
    await expectCode(store.list(), "STORE");
    await expectCode(store.tag((await putImage(store, "x")).manifest, "v1"), "STORE");
    expect(text(await nodeFs.readFile(join(other, "index.json")))).toBe("{not json"); // not "repaired" blindly
  });

  it("builds paths only from validated digests", async () => {
    const store = await fsStore(dir);
    for (const digest of ["sha256:../../../etc/passwd", "sha256:ABCDEF", "md5:d41d8cd98f00b204e9800998ecf8427e"]) {
      const d = { mediaType: "application/octet-stream", digest: digest as Digest, size: 1 };
      await expect(store.ingest(d)).rejects.toSatisfy(isOciError);
      await expect(store.fetch(d)).rejects.toSatisfy(isOciError);
    }
    expect((await nodeFs.readdir(join(dir, "blobs"))).sort()).toEqual([]);
  });
});

describe("read-only layouts", () => {
  /** The same files, seen through a file system that refuses every change, as a read-only mount does. */
  function readOnlyView(fs: FsPromises): FsPromises {
    const refuse = async () => {
      throw Object.assign(new Error("EROFS: read-only file system"), { code: "EROFS" });
    };
    return new Proxy(fs, {
      get(target, key) {
        if (key === "open") {
          // Reading only: "r", or O_RDONLY (0) with flags that change nothing (O_NOFOLLOW, O_NONBLOCK).
          const reading = (flags: string | number) =>
            flags === "r" || (typeof flags === "number" && (flags & (O_WRONLY | O_RDWR | O_CREAT)) === 0);
          return (path: string, flags: string | number) => (reading(flags) ? target.open(path, flags) : refuse());
        }
        if (["mkdir", "rename", "link", "unlink"].includes(String(key))) return refuse;
        return Reflect.get(target, key);
      },
    });
  }

  it("opens a layout it cannot write, reads it, and refuses writes with STORE", async () => {
    const fs = memfs();
    const writer = await fsStore("/ro", { fs });
    const image = await putImage(writer, "a");
    await writer.tag(image.manifest, "v1");
    await fs.unlink("/ro/ingest/index.json.lock").catch(() => {});
    const store = await fsStore("/ro", { fs: readOnlyView(fs) });
    expect(store.readOnly).toBe(true);
    expect((await store.resolve("v1"))?.digest).toBe(image.manifest.digest);
    expect(text(await fetchAll(store, image.layer))).toBe("layer of a");
    await expectCode(store.tag(image.manifest, "v2"), "STORE");
    await expectCode(store.ingest(image.layer), "STORE");
    await expectCode(store.gc(), "STORE");
    expect((await writer.list()).length).toBe(1);
  });

  it("still refuses to open a missing layout read-only", async () => {
    await expectCode(fsStore("/nothing", { fs: readOnlyView(memfs()) }), "STORE");
    await expectCode(fsStore(join(dir, "missing"), { readOnly: true }), "STORE");
  });
});

describe("faults (memfs)", () => {
  /** memfs whose FileHandle.write fails with `code` once `after` bytes went to files under ingest/. */
  function faulty(code: string, after: number, op: "write" | "sync" = "write"): FsPromises {
    const fs = memfs();
    let written = 0;
    const fail = () => Object.assign(new Error(`${code}: injected`), { code });
    return new Proxy(fs, {
      get(target, key) {
        if (key !== "open") return Reflect.get(target, key);
        return async (path: string, flags: string | number) => {
          const handle = await target.open(path, flags);
          if (!path.includes("/ingest/sha256-")) return handle; // blob writers only
          return new Proxy(handle, {
            get(h, k) {
              if (k === "write" && op === "write") {
                return async (buf: Uint8Array, off: number, len: number, pos: number | null) => {
                  if (written + len > after) throw fail();
                  written += len;
                  return h.write(buf, off, len, pos);
                };
              }
              if ((k === "sync" || k === "datasync") && op === "sync") return async () => Promise.reject(fail());
              const value = Reflect.get(h, k);
              return typeof value === "function" ? value.bind(h) : value;
            },
          });
        };
      },
    });
  }

  async function ingestFiles(fs: FsPromises): Promise<string[]> {
    return (await fs.readdir("/l/ingest")).filter((n) => n.startsWith("sha256-"));
  }

  it("reports ENOSPC mid-write as STORE and leaves nothing partial, visible or in ingest/", async () => {
    const fs = faulty("ENOSPC", 3 * 1024 * 1024);
    const store = await fsStore("/l", { fs });
    const d = await describePattern(8 * 1024 * 1024, 3);
    const ingest = await store.ingest(d);
    let caught: unknown;
    try {
      for (const chunk of pattern(d.size, 3)) await ingest.write(chunk);
    } catch (error) {
      caught = error;
    }
    expect(isOciError(caught) && caught.code).toBe("STORE");
    expect((caught as Error).message).toContain("ENOSPC");
    await ingest.abort();
    expect(await store.exists(d)).toBe(false);
    expect(await ingestFiles(fs)).toEqual([]);
  });

  it("reports EIO on fsync at commit as STORE and publishes nothing", async () => {
    const fs = faulty("EIO", 0, "sync");
    const store = await fsStore("/l", { fs });
    // Over 256 KiB: a smaller blob is written through (O_DSYNC) and makes no fsync (write-through.test.ts).
    const content = new TextEncoder().encode("durable or nothing".repeat(20_000));
    await expectCode(put(store, content), "STORE");
    expect(await fs.readdir("/l/blobs")).toEqual([]);
    expect(await ingestFiles(fs)).toEqual([]);
  });

  it("reports a failed index.json replacement as STORE and keeps the old index", async () => {
    const fs = memfs();
    const good = await fsStore("/l", { fs });
    const image = await putImage(good, "a");
    await good.tag(image.manifest, "v1");
    const proxied = new Proxy(fs, {
      get(target, key) {
        if (key === "rename") {
          return async (from: string, to: string) => {
            if (to.endsWith("index.json")) throw Object.assign(new Error("EIO: injected"), { code: "EIO" });
            return target.rename(from, to);
          };
        }
        return Reflect.get(target, key);
      },
    });
    const store = await fsStore("/l", { fs: proxied });
    await expectCode(store.tag(image.manifest, "v2"), "STORE");
    expect((await good.list()).map((r) => r.annotations?.[ANNOTATION_REF_NAME])).toEqual(["v1"]);
    expect((await fs.readdir("/l/ingest")).filter((n) => n.startsWith("tmp."))).toEqual([]);
  });
});

describe("across processes", () => {
  async function storedManifest(): Promise<Descriptor> {
    const store = await fsStore(dir);
    return (await putImage(store, "shared")).manifest;
  }

  it("loses no tag when two processes tag into one layout at once", async () => {
    const manifest = await storedManifest();
    const tagger = join(fixtures, "tagger.mjs");
    await Promise.all(
      ["a", "b"].map((prefix) => run(process.execPath, [tagger, dir, prefix, "40", JSON.stringify(manifest)])),
    );
    const store = await fsStore(dir);
    const tags = (await store.list()).map((r) => r.annotations?.[ANNOTATION_REF_NAME]);
    expect(tags).toHaveLength(80);
    for (let i = 0; i < 40; i++) expect(tags).toEqual(expect.arrayContaining([`a${i}`, `b${i}`]));
  }, 60_000);

  it("lets three processes write the same blob at once, and the blob is whole", async () => {
    const d = await describePattern(16 * 1024 * 1024, 13);
    await fsStore(dir);
    const ingester = join(fixtures, "ingester.mjs");
    const startAt = String(Date.now() + 3_000);
    await Promise.all([1, 2, 3].map(() => run(process.execPath, [ingester, dir, JSON.stringify(d), "13", startAt])));
    const store = await fsStore(dir);
    expect(await describeContent(await store.fetch(d))).toMatchObject({ digest: d.digest, size: d.size });
    expect((await nodeFs.readdir(join(dir, "ingest"))).filter((n) => n.startsWith("sha256-"))).toEqual([]);
  }, 60_000);

  it("breaks a lock left by a dead process, and times out on a live one with STORE", async () => {
    const manifest = await storedManifest();
    const { stdout } = await run(process.execPath, ["-e", "console.log(process.pid)"]);
    const deadPid = Number(stdout.trim());
    const lock = join(dir, "ingest", "index.json.lock");
    const { hostname } = await import("node:os");
    await nodeFs.writeFile(lock, `${deadPid} ${Date.now()} ${hostname()} x`);
    const store = await fsStore(dir, { lockTimeout: 2_000 });
    await store.tag(manifest, "after-dead");
    expect((await store.resolve("after-dead"))?.digest).toBe(manifest.digest);

    await nodeFs.writeFile(lock, `${process.ppid} ${Date.now()} ${hostname()} y`); // alive: our parent
    const impatient = await fsStore(dir, { lockTimeout: 200 });
    await expectCode(impatient.tag(manifest, "blocked"), "STORE");
    await nodeFs.unlink(lock);
  }, 30_000);

  it("survives a tagging process killed at any moment: index.json stays valid and the lock is recovered", async () => {
    const manifest = await storedManifest();
    const reader = await fsStore(dir);
    for (let round = 0; round < 4; round++) {
      const before = (await reader.list()).length;
      const child = execFile(process.execPath, [
        join(fixtures, "tagger.mjs"),
        dir,
        `k${round}-`,
        "100000",
        JSON.stringify(manifest),
      ]);
      const exited = new Promise((resolve) => child.on("exit", resolve));
      // Kill it while it is busy tagging: once it has added a few roots, after a random few milliseconds.
      while ((await reader.list()).length < before + 5) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
      child.kill("SIGKILL");
      await exited;
      // index.json is the old file or the new one, never half of one; and the killed process may have held the
      // lock: a new tag must break it (its pid is gone) and succeed.
      const store = await fsStore(dir, { lockTimeout: 5_000 });
      const roots = await store.list();
      expect(roots.length).toBeGreaterThanOrEqual(before + 5);
      await store.tag(manifest, `after-${round}`);
      expect(await store.list()).toHaveLength(roots.length + 1);
    }
  }, 60_000);

  it("resumes the partial of a process killed mid-write, re-hashing it", async () => {
    const d = await describePattern(24 * 1024 * 1024, 11);
    await fsStore(dir);
    await run(process.execPath, [
      join(fixtures, "crasher.mjs"),
      dir,
      JSON.stringify(d),
      String(10 * 1024 * 1024),
    ]).catch((error: { signal?: string }) => {
      expect(error.signal).toBe("SIGKILL");
    });
    const store = await fsStore(dir);
    const ingest = await store.ingest(d);
    expect(ingest.offset).toBeGreaterThan(0);
    expect(ingest.offset).toBeLessThanOrEqual(10 * 1024 * 1024);
    await writeRest(ingest, 11);
    expect(await describeContent(await store.fetch(d))).toMatchObject({ digest: d.digest, size: d.size });
    expect((await nodeFs.readdir(join(dir, "ingest"))).filter((n) => n.startsWith("sha256-"))).toEqual([]);
  }, 60_000);
});
