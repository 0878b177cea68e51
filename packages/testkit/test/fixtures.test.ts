import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import {
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  isIndex,
  isManifestOrIndexMediaType,
  type Manifest,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_MANIFEST,
  parseManifest,
  referrersTag,
} from "@toci/spec-types";
import { afterAll, describe, expect, it } from "vitest";
import {
  artifact,
  dockerImage,
  dockerManifestList,
  type Fixture,
  layoutBlobPath,
  manyLayersImage,
  multiArchIndex,
  referrersFallback,
  seededBytes,
  sha256,
  tar,
  writeLargeLayerImage,
  writeLayout,
} from "../src/fixtures/index.js";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "toci-fixtures-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Every blob matches its descriptor; manifests parse; every child of every manifest is in the fixture. */
function verify(fixture: Fixture, elsewhere: string[] = []): void {
  const digests = new Set<string>(elsewhere);
  for (const blob of fixture.blobs) {
    const bytes = blob.bytes ?? fs.readFileSync(blob.file!);
    expect(sha256(bytes)).toBe(blob.descriptor.digest);
    expect(bytes.length).toBe(blob.descriptor.size);
    if (isManifestOrIndexMediaType(blob.descriptor.mediaType)) {
      const parsed = parseManifest(bytes, blob.descriptor.mediaType);
      const children = isIndex(parsed) ? parsed.manifests : [parsed.config, ...parsed.layers];
      for (const child of children) expect(digests.has(child.digest), child.digest).toBe(true);
    }
    digests.add(blob.descriptor.digest);
  }
  expect(fixture.blobs.at(-1)?.descriptor.digest).toBe(fixture.root.digest);
}

describe("fixtures", () => {
  it("tar writer matches GNU tar's reading of it", () => {
    const file = path.join(work, "t.tar");
    fs.writeFileSync(
      file,
      tar([
        { name: "a.bin", data: seededBytes("t", 1000) },
        { name: "b.txt", data: Buffer.from("hi") },
      ]),
    );
    expect(execFileSync("tar", ["-tvf", file]).toString()).toMatch(/a\.bin[\s\S]*b\.txt/);
    expect(execFileSync("tar", ["-xOf", file, "b.txt"]).toString()).toBe("hi");
  });

  it("multi-arch OCI index: linux/amd64 + linux/arm64/v8, config + real tar+gzip layers", () => {
    const fixture = multiArchIndex();
    verify(fixture);
    expect(fixture.root.mediaType).toBe(OCI_INDEX);
    const index = parseManifest(fixture.blobs.at(-1)!.bytes!);
    expect(isIndex(index) && index.manifests.map((m) => m.platform)).toEqual([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64", variant: "v8" },
    ]);
    const arm = fixture.images[1]!;
    const layer = fixture.blobs.find((b) => b.descriptor.digest === arm.layers[1]!.digest)!;
    const archive = gunzipSync(layer.bytes!);
    const config = JSON.parse(
      Buffer.from(fixture.blobs.find((b) => b.descriptor.digest === arm.config.digest)!.bytes!).toString(),
    );
    expect(config).toMatchObject({ architecture: "arm64", variant: "v8", os: "linux" });
    expect(config.rootfs.diff_ids[1]).toBe(sha256(archive));
    expect(archive.length).toBe(512 + Math.ceil(300_000 / 512) * 512 + 1024);
  });

  it("is deterministic: same seed, same digests; another seed, other digests", () => {
    expect(multiArchIndex().root.digest).toBe(multiArchIndex().root.digest);
    expect(multiArchIndex({ seed: "other" }).root.digest).not.toBe(multiArchIndex().root.digest);
  });

  it("Docker schema2 image and manifest list use Docker media types", () => {
    const image = dockerImage();
    verify(image);
    expect(image.root.mediaType).toBe(DOCKER_MANIFEST);
    expect(image.config.mediaType).toBe(DOCKER_CONFIG);
    expect(image.layers.every((l) => l.mediaType === DOCKER_LAYER)).toBe(true);
    const list = dockerManifestList();
    verify(list);
    expect(list.root.mediaType).toBe(DOCKER_MANIFEST_LIST);
    expect(list.images.map((i) => i.root.mediaType)).toEqual([DOCKER_MANIFEST, DOCKER_MANIFEST]);
  });

  it("artifact has artifactType, subject, an empty config, and a referrers fallback index", () => {
    const subject = multiArchIndex().images[0]!.root;
    const sbom = artifact({
      subject,
      artifactType: "application/spdx+json",
      files: [{ mediaType: "application/spdx+json", data: Buffer.from("{}"), title: "sbom.json" }],
      annotations: { "org.example": "1" },
    });
    verify(sbom);
    const manifest = parseManifest(sbom.blobs.at(-1)!.bytes!) as Manifest;
    expect(manifest.artifactType).toBe("application/spdx+json");
    expect(manifest.subject).toEqual({ mediaType: OCI_MANIFEST, digest: subject.digest, size: subject.size });
    expect(manifest.config.mediaType).toBe(OCI_EMPTY);
    expect(sbom.root).toMatchObject({ artifactType: "application/spdx+json", annotations: { "org.example": "1" } });
    const fallback = referrersFallback(subject, [sbom.root]);
    verify(fallback, [sbom.root.digest]);
    expect(fallback.tag).toBe(referrersTag(subject.digest));
    const index = parseManifest(fallback.blobs[0]!.bytes!);
    expect(isIndex(index) && index.manifests).toEqual([
      {
        mediaType: OCI_MANIFEST,
        digest: sbom.root.digest,
        size: sbom.root.size,
        artifactType: "application/spdx+json",
        annotations: { "org.example": "1" },
      },
    ]);
  });

  it("many-small-layers image: N × 64 KiB", () => {
    const image = manyLayersImage({ count: 50 });
    verify(image);
    expect(image.layers).toHaveLength(50);
    expect(new Set(image.layers.map((l) => l.digest)).size).toBe(50);
    expect(image.layers.every((l) => l.size > 64 * 1024)).toBe(true);
  });

  it("large-layer image is streamed to disk, incompressible and reproducible", async () => {
    const dir = path.join(work, "large");
    const size = 8 * 1024 * 1024 + 123;
    const image = await writeLargeLayerImage(dir, { size, seed: "big" });
    verify(image);
    const layer = image.layers[0]!;
    expect(layer.size).toBeGreaterThan(size);
    expect(layer.size).toBeLessThan(size + 64 * 1024);
    const file = layoutBlobPath(dir, layer.digest);
    const archive = gunzipSync(fs.readFileSync(file));
    const config = JSON.parse(fs.readFileSync(layoutBlobPath(dir, image.config.digest), "utf8"));
    expect(config.rootfs.diff_ids[0]).toBe(`sha256:${createHash("sha256").update(archive).digest("hex")}`);
    expect(archive.subarray(512, 512 + 16)).toEqual(Buffer.from(seededBytes("big/0", 16)));
    const again = await writeLargeLayerImage(path.join(work, "large2"), { size, seed: "big" });
    expect(again.root.digest).toBe(image.root.digest);
    expect(fs.readdirSync(path.join(dir, "blobs", "sha256")).filter((f) => f.startsWith("."))).toEqual([]);
  });

  it("writes OCI layouts skopeo and umoci read", () => {
    const dir = path.join(work, "layout");
    const multi = multiArchIndex();
    writeLayout(dir, multi, "v1");
    writeLayout(dir, multi.images[0]!, "amd64");
    writeLayout(dir, multi.images[0]!, "amd64"); // same tag again: replaced, not duplicated
    expect(fs.readFileSync(path.join(dir, "oci-layout"), "utf8")).toBe('{"imageLayoutVersion":"1.0.0"}');
    const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8"));
    expect(
      index.manifests.map(
        (m: { annotations: Record<string, string> }) => m.annotations["org.opencontainers.image.ref.name"],
      ),
    ).toEqual(["v1", "amd64"]);
    for (const name of fs.readdirSync(path.join(dir, "blobs", "sha256"))) {
      expect(sha256(fs.readFileSync(path.join(dir, "blobs", "sha256", name)))).toBe(`sha256:${name}`);
    }
    const inspect = JSON.parse(
      execFileSync("skopeo", ["inspect", `oci:${dir}:v1`, "--override-arch", "arm64"]).toString(),
    );
    expect(inspect).toMatchObject({ Architecture: "arm64", Os: "linux" });
    expect(inspect.Layers).toEqual(multi.images[1]!.layers.map((l) => l.digest));
    expect(execFileSync("umoci", ["ls", "--layout", dir]).toString().split("\n").filter(Boolean).sort()).toEqual([
      "amd64",
      "v1",
    ]);
    const bundle = path.join(work, "bundle");
    execFileSync("umoci", ["unpack", "--rootless", "--image", `${dir}:amd64`, bundle], { stdio: "pipe" });
    expect(fs.statSync(path.join(bundle, "rootfs", "amd64-layer2.bin")).size).toBe(300_000);
  });
});
