// The commands oras, crane and regctl users reach for first, against a real registry: `toci tag` (retag without
// pulling), `toci inspect` (an index's platforms and sizes; an image's created time, size, settings and layers; a
// table for people and --json), `toci config` (the config's exact bytes), `toci tags --exclude-digest-tags`.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { OCI_CONFIG, OCI_MANIFEST } from "@toci/spec-types";
import { type Fixture, jsonBlob, multiArchIndex, tarGzipLayer, uniqueBlobs, writeLayout } from "@toci/testkit/fixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { registries, tempDir, toci, tociJson } from "./helpers.js";

const { plain } = registries();
const repo = `${plain.host}/cli/image`;
const index = multiArchIndex({ seed: "cli-image", layerSizes: [3000, 5000] });

/** An image whose config has the settings inspect shows, one label carrying a terminal escape sequence. */
function configuredImage(): Fixture & { config: { digest: string; size: number } } {
  const layer = tarGzipLayer([{ name: "hello.txt", data: new TextEncoder().encode("hello\n") }]);
  const config = jsonBlob(OCI_CONFIG, {
    created: "2024-05-06T07:08:09Z",
    author: "toci tests",
    architecture: "arm64",
    os: "linux",
    variant: "v8",
    config: {
      Entrypoint: ["/bin/hello"],
      Cmd: ["--greet", "world"],
      Env: ["PATH=/usr/bin", "GREETING=hi"],
      WorkingDir: "/srv",
      ExposedPorts: { "8080/tcp": {} },
      Labels: { "org.opencontainers.image.version": "1.2.3", evil: "\u001b[31mred\u001b[0m" },
    },
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
  });
  const manifest = jsonBlob(OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: config.descriptor,
    layers: [layer.blob.descriptor],
  });
  return {
    root: manifest.descriptor,
    blobs: uniqueBlobs([config, layer.blob], [manifest]),
    config: config.descriptor,
  };
}

const image = configuredImage();

beforeAll(async () => {
  const layout = tempDir();
  writeLayout(layout, index, "multi");
  expect((await toci(["push", `${repo}:multi`, "--store", layout])).code).toBe(0);
  const single = tempDir();
  writeLayout(single, image, "one");
  expect((await toci(["push", `${repo}:one`, "--store", single])).code).toBe(0);
});

const sizeOf = (f: Fixture) => f.blobs.reduce((sum, b) => sum + b.descriptor.size, 0);

describe.concurrent("toci tag", () => {
  it("adds several tags on the registry, without pulling: the same digest under each", async () => {
    const target = `${plain.host}/cli/tag`;
    expect((await toci(["copy", `${repo}:multi`, `${target}:v1`])).code).toBe(0);
    const { code, stdout, stderr } = await toci(["tag", `${target}:v1`, "v1.0", "stable", "v1.0"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toBe(`${target}:v1.0 ${index.root.digest}\n${target}:stable ${index.root.digest}\n`);
    for (const tag of ["v1.0", "stable"]) {
      expect((await toci(["resolve", `${target}:${tag}`])).stdout.trim()).toBe(index.root.digest);
    }
    const byDigest = await tociJson<{ tagged: string[]; digest: string }>([
      "tag",
      `${target}@${index.root.digest}`,
      "v2",
    ]);
    expect(byDigest).toMatchObject({ digest: index.root.digest, tagged: [`${target}:v2`] });
  });

  it("refuses an invalid tag (exit 2), and a missing source (exit 1, MANIFEST_UNKNOWN)", async () => {
    const bad = await toci(["tag", `${repo}:multi`, "ok", "not/a:tag"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid tag "not/a:tag"');
    const missing = await toci(["tag", `${repo}:nope`, "x"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: MANIFEST_UNKNOWN/);
  });
});

describe.concurrent("toci inspect", () => {
  it("shows an index's platforms with the size of each image", async () => {
    const { code, stdout } = await toci(["inspect", `${repo}:multi`]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^digest\\s+${index.root.digest}$`, "m"));
    expect(stdout).toMatch(/^manifests\s+2$/m);
    expect(stdout).toMatch(/^PLATFORM\s+SIZE\s+DIGEST\s+MEDIA TYPE$/m);
    for (const child of index.images) {
      expect(stdout).toContain(child.root.digest);
    }
    expect(stdout).toMatch(/^linux\/arm64\/v8\s+\d/m);
    const doc = await tociJson<{ manifests: Array<{ platform: string; digest: string; imageSize: number }> }>([
      "inspect",
      `${repo}:multi`,
    ]);
    expect(doc.manifests).toEqual(
      index.images.map((child, i) =>
        expect.objectContaining({
          platform: ["linux/amd64", "linux/arm64/v8"][i],
          digest: child.root.digest,
          imageSize: sizeOf(child),
        }),
      ),
    );
  });

  it("shows an image: platform, created, size, settings and layers; a label cannot drive the terminal", async () => {
    const { code, stdout } = await toci(["inspect", `${repo}:one`]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^platform\s+linux\/arm64\/v8$/m);
    expect(stdout).toMatch(/^created\s+2024-05-06T07:08:09Z$/m);
    expect(stdout).toContain(`(${sizeOf(image)} bytes): manifest, config and 1 layer(s)`);
    expect(stdout).toMatch(/^entrypoint\s+\["\/bin\/hello"\]$/m);
    expect(stdout).toMatch(/^env\s+PATH=\/usr\/bin\n\s+GREETING=hi$/m);
    expect(stdout).toMatch(/^ports\s+8080\/tcp$/m);
    expect(stdout).toContain("org.opencontainers.image.version=1.2.3");
    expect(stdout).not.toContain("\u001b");
    expect(stdout).toContain("evil=\\u001b[31mred\\u001b[0m");
    expect(stdout).toMatch(/^LAYER\s+SIZE\s+DIGEST\s+MEDIA TYPE\n1\s+\S+ \S+\s+sha256:/m);
    const doc = await tociJson(["inspect", `${repo}:one`]);
    expect(doc).toMatchObject({
      digest: image.root.digest,
      platform: "linux/arm64/v8",
      created: "2024-05-06T07:08:09Z",
      totalSize: sizeOf(image),
      config: {
        digest: image.config.digest,
        entrypoint: ["/bin/hello"],
        cmd: ["--greet", "world"],
        labels: { evil: "\u001b[31mred\u001b[0m" },
      },
      layers: [expect.objectContaining({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" })],
    });
  });

  it("shows one platform of an index with --platform", async () => {
    const arm = index.images[1]!;
    const doc = await tociJson(["inspect", `${repo}:multi`, "--platform", "linux/arm64"]);
    expect(doc).toMatchObject({ digest: arm.root.digest, platform: "linux/arm64/v8", totalSize: sizeOf(arm) });
  });
});

describe.concurrent("toci config", () => {
  it("prints the config's exact bytes, of an image or of one platform of an index", async () => {
    const one = await toci(["config", `${repo}:one`]);
    expect(one.code).toBe(0);
    expect(`sha256:${createHash("sha256").update(one.stdout).digest("hex")}`).toBe(image.config.digest);
    const amd = await toci(["config", `${repo}:multi`, "--platform", "linux/amd64"]);
    expect(`sha256:${createHash("sha256").update(amd.stdout).digest("hex")}`).toBe(index.images[0]!.config.digest);
    const doc = await tociJson<{ descriptor: { digest: string }; config: { os: string } }>(["config", `${repo}:one`]);
    expect(doc).toMatchObject({ descriptor: { digest: image.config.digest }, config: { os: "linux" } });
  });

  it("asks for --platform on an index of several, listing them", async () => {
    const { code, stderr } = await toci(["config", `${repo}:multi`]);
    expect(code).toBe(2);
    expect(stderr).toContain("is an index of 2 platforms (linux/amd64, linux/arm64/v8): pass --platform");
  });
});

describe("toci tags --exclude-digest-tags", () => {
  it("hides the sha256-<hex> fallback tags an attach leaves, and only those", async () => {
    const target = `${plain.host}/cli/digest-tags`;
    expect((await toci(["copy", `${repo}:one`, `${target}:v1`])).code).toBe(0);
    const file = join(tempDir(), "note.txt");
    writeFileSync(file, "a note");
    expect((await toci(["attach", `${target}:v1`, "--artifact-type", "text/plain", file])).code).toBe(0);
    // A tag that only looks a little like one stays.
    expect((await toci(["tag", `${target}:v1`, "sha256-latest"])).code).toBe(0);
    const fallback = `sha256-${image.root.digest.slice("sha256:".length)}`;
    const all = (await toci(["tags", target])).stdout.trim().split("\n").sort();
    expect(all).toEqual([fallback, "sha256-latest", "v1"].sort());
    const shown = await toci(["tags", target, "--exclude-digest-tags"]);
    expect(shown.stdout.trim().split("\n").sort()).toEqual(["sha256-latest", "v1"]);
    const doc = await tociJson<{ tags: string[] }>(["tags", target, "--exclude-digest-tags"]);
    expect(doc.tags.sort()).toEqual(["sha256-latest", "v1"]);
  });
});
