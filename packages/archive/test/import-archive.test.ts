// importArchive against skopeo: it reads what `skopeo copy` writes as oci-archive (digests kept) and as
// docker-archive (the config digest, the image ID, kept; layers as the diff_ids say), from a Blob and from a
// stream; and refuses tampered, incomplete and nameless archives without storing a bad blob or tagging anything.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { type Descriptor, isManifestMediaType, type Manifest, parseManifest } from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { memoryStore } from "@toci/store-memory";
import { multiArchIndex, ociImage, writeLayout } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { exportArchive } from "../src/export-archive.js";
import { imageFiles } from "../src/image-files.js";
import { importArchive } from "../src/import-archive.js";
import { bytesOf, codeOf, run, storeWith, tempDir } from "./helpers.js";

const image = ociImage({ seed: "import", layerSizes: [2000, 1_500_000] }); // one layer over the 1 MiB kept on a first read
const layout = tempDir();
writeLayout(layout, image, "v1");
const archives = tempDir();
const ociArchive = path.join(archives, "oci.tar");
const dockerArchive = path.join(archives, "docker.tar");
run("skopeo", ["copy", `oci:${layout}:v1`, `oci-archive:${ociArchive}:v1`]);
run("skopeo", ["copy", `oci:${layout}:v1`, `docker-archive:${dockerArchive}:registry.example/app:v1`]);

/**
 * skopeo's docker-archive rewritten as docker save wrote archives before docker 25: each layer only at
 * `<id>/layer.tar` (no file named by a digest), the second one also behind a symlink from a third id, which
 * manifest.json names; RepoTags a docker short name.
 */
function classicSave(): string {
  const dir = tempDir();
  execFileSync("tar", ["-xf", dockerArchive, "-C", dir]);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
  const ids = fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, "layer.tar")));
  const idOf = new Map(ids.map((d) => [path.basename(fs.readlinkSync(path.join(dir, d, "layer.tar"))), d]));
  for (const [file, id] of idOf) {
    fs.rmSync(path.join(dir, id, "layer.tar"));
    fs.renameSync(path.join(dir, file), path.join(dir, id, "layer.tar"));
  }
  const [first, second] = manifest[0].Layers.map((l: string) => idOf.get(l));
  fs.mkdirSync(path.join(dir, "shared"));
  fs.symlinkSync(`../${second}/layer.tar`, path.join(dir, "shared", "layer.tar"));
  manifest[0].Layers = [`${first}/layer.tar`, "shared/layer.tar"];
  manifest[0].RepoTags = ["busybox:latest"];
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
  const classic = path.join(tempDir(), "classic.tar");
  execFileSync("tar", ["-cf", classic, "-C", dir, "."]);
  return classic;
}

/** A Blob that counts how often it is read. */
class CountingBlob extends Blob {
  reads = 0;
  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    this.reads++;
    return super.stream();
  }
}

async function paths(
  store: Parameters<typeof imageFiles>[0],
  root: Descriptor | string,
  platform?: string,
): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of imageFiles(store, root, { platform })) out.push(entry.path);
  return out.sort();
}

describe("importArchive reads what skopeo writes", () => {
  it("oci-archive, from a Blob and from a stream: the same manifest digest, named as the archive names it", async () => {
    const blob = new CountingBlob([fs.readFileSync(ociArchive)]);
    for (const source of [blob, (await fs.openAsBlob(ociArchive)).stream()]) {
      const store = memoryStore();
      const roots = await importArchive(store, source);
      expect(roots.map((r) => [r.digest, r.annotations?.["org.opencontainers.image.ref.name"]])).toEqual([
        [image.root.digest, "v1"],
      ]);
      expect((await store.resolve("v1"))?.digest).toBe(image.root.digest);
      expect(await paths(store, "v1")).toEqual(["amd64-layer1.bin", "amd64-layer2.bin"]);
    }
    expect(blob.reads).toBe(1); // an OCI layout's blobs are named by digest: one read places them all
  });

  it("docker-archive, from a Blob and from a stream, in one read: the config digest kept", async () => {
    const blob = new CountingBlob([fs.readFileSync(dockerArchive)]);
    for (const source of [blob, (await fs.openAsBlob(dockerArchive)).stream()]) {
      const dir = tempDir();
      const store = await fsStore(dir);
      const roots = await importArchive(store, source);
      expect(roots).toHaveLength(1);
      expect(roots[0]!.annotations?.["io.containerd.image.name"]).toBe("registry.example/app:v1");
      const manifest = parseManifest(await bytesOf(await store.fetch(roots[0]!))) as Manifest;
      expect(isManifestMediaType(roots[0]!.mediaType)).toBe(true);
      expect(manifest.config.digest).toBe(image.config.digest);
      // the layers are the uncompressed tars docker-archive holds: their digests are the config's diff_ids
      const config = JSON.parse(
        new TextDecoder().decode(image.blobs.find((b) => b.descriptor.digest === image.config.digest)!.bytes),
      );
      expect(manifest.layers.map((l) => l.digest)).toEqual(config.rootfs.diff_ids);
      expect(await paths(store, "v1")).toEqual(["amd64-layer1.bin", "amd64-layer2.bin"]);
      // the store is a layout: skopeo reads the imported image back
      expect(JSON.parse(run("skopeo", ["inspect", "--raw", `oci:${dir}:v1`])).config.digest).toBe(image.config.digest);
    }
    // skopeo names each layer by its digest (<diff_id>.tar): stored as it streams by, checked against that digest
    expect(blob.reads).toBe(1);
  });

  it("a classic docker save (layers at <id>/layer.tar, one of them a symlink): a Blob is read twice, a stream buffered", async () => {
    const classic = classicSave();
    const blob = new CountingBlob([fs.readFileSync(classic)]);
    for (const source of [blob, (await fs.openAsBlob(classic)).stream()]) {
      const store = memoryStore();
      const roots = await importArchive(store, source);
      expect(roots[0]!.annotations?.["io.containerd.image.name"]).toBe("docker.io/library/busybox:latest");
      expect(await paths(store, "latest")).toEqual(["amd64-layer1.bin", "amd64-layer2.bin"]);
    }
    expect(blob.reads).toBe(2); // the big layer's name says nothing: hashed on the first read, stored on the second
  });

  it("a layer named by a digest it does not have: not stored under that name; a Blob is read again for it", async () => {
    const dir = tempDir();
    execFileSync("tar", ["-xf", dockerArchive, "-C", dir]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    const liar = `${"0".repeat(64)}.tar`;
    fs.renameSync(path.join(dir, manifest[0].Layers[1]), path.join(dir, liar));
    manifest[0].Layers[1] = liar;
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    const file = path.join(tempDir(), "liar.tar");
    execFileSync("tar", ["-cf", file, "-C", dir, "."]);
    const store = memoryStore();
    const blob = new CountingBlob([fs.readFileSync(file)]);
    await importArchive(store, blob);
    expect(blob.reads).toBe(2);
    const size = fs.statSync(path.join(dir, liar)).size;
    expect(await store.exists({ mediaType: "x/y", digest: `sha256:${"0".repeat(64)}`, size })).toBe(false);
    expect(await paths(store, "v1")).toEqual(["amd64-layer1.bin", "amd64-layer2.bin"]);
    const error = await importArchive(memoryStore(), (await fs.openAsBlob(file)).stream()).catch((e) => e);
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("Blob") });
  });

  it("what exportArchive writes, in both formats (the docker one gzip-compressed), with every digest kept", async () => {
    const index = multiArchIndex({ seed: "import-own" });
    const source = await storeWith(index, "registry.example/own:v3");
    const oci = await bytesOf(await exportArchive(source, "v3"));
    const docker = await bytesOf(await exportArchive(source, "v3", { format: "docker", platform: "linux/amd64" }));
    for (const [bytes, digest] of [
      [oci, index.root.digest],
      [gzipSync(docker), index.images[0]!.root.digest],
    ] as const) {
      const store = memoryStore();
      const [root] = await importArchive(store, new Blob([Uint8Array.from(bytes)]));
      expect(root).toMatchObject({ digest, annotations: { "io.containerd.image.name": "registry.example/own:v3" } });
      expect(await paths(store, "v3", "linux/amd64")).toEqual(["amd64-layer1.bin", "amd64-layer2.bin"]);
    }
  });
});

describe("importArchive refuses what it must, storing nothing bad and tagging nothing", () => {
  it("a blob whose bytes do not match its name: DIGEST_MISMATCH, and the blob is not stored", async () => {
    const bytes = new Uint8Array(fs.readFileSync(ociArchive));
    const layer = image.layers[1]!;
    const at = Buffer.from(bytes).indexOf(Buffer.from(`blobs/sha256/${layer.digest.slice(7)}`));
    bytes[at + 512 + 1000] = bytes[at + 512 + 1000]! ^ 0xff; // inside the layer's content
    const store = memoryStore();
    expect(await codeOf(() => importArchive(store, new Blob([bytes])))).toBe("DIGEST_MISMATCH");
    expect(await store.exists(layer)).toBe(false);
    expect(await store.list()).toEqual([]);
  });

  it("a docker-archive layer that is not what the config's diff_ids say: DIGEST_MISMATCH", async () => {
    const bytes = new Uint8Array(fs.readFileSync(dockerArchive));
    const config = JSON.parse(
      new TextDecoder().decode(image.blobs.find((b) => b.descriptor.digest === image.config.digest)!.bytes),
    );
    const at = Buffer.from(bytes).indexOf(Buffer.from(`${config.rootfs.diff_ids[1].slice(7)}.tar`));
    bytes[at + 512 + 2000] = bytes[at + 512 + 2000]! ^ 0xff;
    const store = memoryStore();
    expect(await codeOf(() => importArchive(store, new Blob([bytes])))).toBe("DIGEST_MISMATCH");
    expect(await store.list()).toEqual([]);
  });

  it("an archive that lacks a blob its image needs; one that is no image archive", async () => {
    const dir = tempDir();
    execFileSync("tar", ["-xf", ociArchive, "-C", dir]);
    fs.rmSync(path.join(dir, "blobs/sha256", image.layers[0]!.digest.slice(7)));
    const partial = path.join(tempDir(), "partial.tar");
    execFileSync("tar", ["-cf", partial, "-C", dir, "."]);
    const store = memoryStore();
    const partialBlob = await fs.openAsBlob(partial);
    expect(await codeOf(() => importArchive(store, partialBlob))).toBe("INVALID_ARGUMENT");
    expect(await store.list()).toEqual([]);
    const junk = execFileSync("tar", ["-cf", "-", "-C", layout, "oci-layout"]);
    expect(await codeOf(() => importArchive(store, new Blob([junk])))).toBe("INVALID_ARGUMENT");
  });

  it("an image without a name needs a tag; a tag names one image only", async () => {
    const unnamed = path.join(tempDir(), "unnamed.tar");
    run("skopeo", ["copy", `oci:${layout}:v1`, `oci-archive:${unnamed}`]);
    const store = memoryStore();
    const unnamedBlob = await fs.openAsBlob(unnamed);
    expect(await codeOf(() => importArchive(store, unnamedBlob))).toBe("INVALID_ARGUMENT");
    const [root] = await importArchive(store, await fs.openAsBlob(unnamed), { tag: "given" });
    expect(root?.digest).toBe(image.root.digest);
    expect((await store.resolve("given"))?.digest).toBe(image.root.digest);
  });

  it("a classic docker save from a stream past the buffer cap: TOO_LARGE, saying to pass a Blob", async () => {
    const store = memoryStore();
    const error = await importArchive(store, (await fs.openAsBlob(classicSave())).stream(), {
      maxBufferedBytes: 100_000,
    }).catch((e) => e);
    expect(error).toMatchObject({ code: "TOO_LARGE", message: expect.stringContaining("Blob") });
    expect(await store.list()).toEqual([]);
  });
});
