// exportArchive against skopeo: what it writes in both formats is what `skopeo copy oci-archive:` and
// `docker-archive:` read, with the digests the formats keep (the manifest and index in oci; the config, that is the
// image ID, in docker). Failures come before the first byte when they can, and as a stream error when a blob
// turns out corrupt while it is read.
import fs from "node:fs";
import path from "node:path";
import { type Manifest, parseManifest } from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { dockerImage, layoutBlobPath, multiArchIndex, ociImage, sha256 } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { exportArchive } from "../src/export-archive.js";
import { bytesOf, codeOf, run, storeWith, tempDir } from "./helpers.js";

async function exportTo(file: string, stream: Promise<ReadableStream<Uint8Array>>): Promise<string> {
  fs.writeFileSync(file, await bytesOf(await stream));
  return file;
}

function indexJson(dir: string): { manifests: { digest: string; annotations?: Record<string, string> }[] } {
  return JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8"));
}

describe("exportArchive: skopeo reads what it writes", () => {
  it("oci: skopeo copies the image out of the archive with the same manifest digest", async () => {
    const image = ociImage({ seed: "export-oci" });
    const store = await storeWith(image, "registry.example/app:v1");
    const file = await exportTo(path.join(tempDir(), "oci.tar"), exportArchive(store, "v1"));
    expect(run("skopeo", ["inspect", "--raw", `oci-archive:${file}`])).toBe(
      new TextDecoder().decode(image.blobs.at(-1)!.bytes),
    );
    const out = path.join(tempDir(), "out");
    run("skopeo", ["copy", `oci-archive:${file}`, `oci:${out}:copied`]);
    expect(indexJson(out).manifests[0]!.digest).toBe(image.root.digest);
    const listing = run("tar", ["-tf", file]).trim().split("\n");
    expect(listing).toEqual(
      expect.arrayContaining(["oci-layout", "index.json", `blobs/sha256/${image.root.digest.slice(7)}`]),
    );
  });

  it("oci: a whole index (skopeo copy --all keeps its digest), or one platform of it", async () => {
    const index = multiArchIndex({ seed: "export-index" });
    const store = await storeWith(index);
    const all = await exportTo(path.join(tempDir(), "all.tar"), exportArchive(store, "v1"));
    const out = path.join(tempDir(), "out");
    run("skopeo", ["copy", "--all", `oci-archive:${all}`, `oci:${out}:all`]);
    expect(indexJson(out).manifests[0]!.digest).toBe(index.root.digest);
    const one = await exportTo(
      path.join(tempDir(), "one.tar"),
      exportArchive(store, "v1", { platform: "linux/arm64" }),
    );
    expect(JSON.parse(run("skopeo", ["inspect", "--raw", `oci-archive:${one}`])).config.digest).toBe(
      index.images[1]!.config.digest,
    );
  });

  it("docker: skopeo's docker-archive reads it, with the same config digest (image ID) and the RepoTags given", async () => {
    for (const image of [ociImage({ seed: "export-docker" }), dockerImage({ seed: "export-docker2" })]) {
      const store = await storeWith(image, "registry.example/app:v2");
      const file = await exportTo(path.join(tempDir(), "docker.tar"), exportArchive(store, "v2", { format: "docker" }));
      expect(JSON.parse(run("skopeo", ["list-tags", `docker-archive:${file}`])).Tags).toEqual([
        "registry.example/app:v2",
      ]);
      const out = path.join(tempDir(), "out");
      run("skopeo", ["copy", `docker-archive:${file}`, `oci:${out}:copied`]);
      const manifestDigest = indexJson(out).manifests[0]!.digest;
      const manifest = parseManifest(fs.readFileSync(layoutBlobPath(out, manifestDigest))) as Manifest;
      expect(manifest.config.digest).toBe(image.config.digest);
      // the same file is an OCI layout too (docker 25+ writes both), so oci-archive reads it with the manifest kept
      expect(JSON.parse(run("skopeo", ["inspect", "--raw", `oci-archive:${file}`])).config.digest).toBe(
        image.config.digest,
      );
      const manifestJson = JSON.parse(run("tar", ["-xOf", file, "manifest.json"]));
      expect(manifestJson).toEqual([
        {
          Config: `blobs/sha256/${image.config.digest.slice(7)}`,
          RepoTags: ["registry.example/app:v2"],
          Layers: image.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
        },
      ]);
    }
  });

  it("docker: an index needs a platform (unless it holds one image); the platform picks the image", async () => {
    const index = multiArchIndex({ seed: "export-docker-index" });
    const store = await storeWith(index);
    expect(await codeOf(() => exportArchive(store, "v1", { format: "docker" }))).toBe("INVALID_ARGUMENT");
    const options = { format: "docker", platform: "linux/arm64", name: "app:v1" } as const;
    const file = await exportTo(path.join(tempDir(), "arm.tar"), exportArchive(store, "v1", options));
    // docker's short name, as docker save writes RepoTags, is docker.io/library/app:v1
    expect(JSON.parse(run("skopeo", ["list-tags", `docker-archive:${file}`])).Tags).toEqual([
      "docker.io/library/app:v1",
    ]);
    // the config as skopeo reads it from the archive (a copy to oci: re-encodes a config with a variant)
    const config = run("skopeo", ["inspect", "--raw", "--config", `docker-archive:${file}`]);
    expect(sha256(new TextEncoder().encode(config))).toBe(index.images[1]!.config.digest);
  });

  it("refuses before the first byte: an unknown root, a missing blob, an unknown format", async () => {
    const image = ociImage({ seed: "export-missing" });
    const store = await storeWith({
      root: image.root,
      blobs: image.blobs.filter((b) => b.descriptor.digest !== image.layers[1]!.digest),
    });
    expect(await codeOf(() => exportArchive(store, "nope"))).toBe("NOT_FOUND");
    expect(await codeOf(() => exportArchive(store, "v1"))).toBe("NOT_FOUND");
    expect(await codeOf(() => exportArchive(store, "v1", { format: "zip" as "oci" }))).toBe("INVALID_ARGUMENT");
  });

  it("a blob corrupted on disk errors the stream (DIGEST_MISMATCH) instead of ending it cleanly", async () => {
    const dir = tempDir();
    const image = ociImage({ seed: "export-corrupt", layerSizes: [100_000] });
    const store = await storeWith(image, "v1", await fsStore(dir));
    const blob = layoutBlobPath(dir, image.layers[0]!.digest);
    const bytes = fs.readFileSync(blob);
    bytes[50_000] = bytes[50_000]! ^ 0xff;
    fs.writeFileSync(blob, bytes);
    const stream = await exportArchive(store, "v1");
    expect(await codeOf(() => bytesOf(stream))).toBe("DIGEST_MISMATCH");
  });
});
