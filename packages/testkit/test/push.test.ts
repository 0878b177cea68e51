import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX } from "@toci/spec-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  artifact,
  dockerImage,
  dockerManifestList,
  manyLayersImage,
  multiArchIndex,
  pushFixture,
  pushWithSkopeo,
  referrersFallback,
  sha256,
  skopeoInspectRaw,
  writeLargeLayerImage,
  writeLayout,
} from "../src/fixtures/index.js";
import { type RunningRegistry, startRegistry } from "../src/registry/index.js";

const run = promisify(execFile);

describe("pushing fixtures", () => {
  let registry: RunningRegistry;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "toci-push-"));
  beforeAll(async () => {
    registry = await startRegistry({ auth: "token" });
  });
  afterAll(async () => {
    await registry.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("skopeo pushes the multi-arch index with digests preserved; skopeo inspect agrees", async () => {
    const fixture = multiArchIndex();
    const dir = path.join(work, "multi");
    writeLayout(dir, fixture, "v1");
    const log = await pushWithSkopeo(dir, "v1", registry, "interop/multi");
    expect(log).toContain("Copying 2 of 2 images in list");
    const raw = await skopeoInspectRaw(registry, "interop/multi", "v1");
    expect(sha256(Buffer.from(raw))).toBe(fixture.root.digest);
    expect(JSON.parse(raw).mediaType).toBe(OCI_INDEX);
    const { stdout } = await run("skopeo", [
      "inspect",
      "--tls-verify=false",
      "--override-arch",
      "arm64",
      "--override-variant",
      "v8",
      `docker://${registry.host}/interop/multi:v1`,
    ]);
    const inspect = JSON.parse(stdout);
    expect(inspect).toMatchObject({ Architecture: "arm64", Os: "linux", Digest: fixture.root.digest });
    expect(inspect.Layers).toEqual(fixture.images[1]!.layers.map((l) => l.digest));
    const anonymous = await fetch(`${registry.url}/v2/interop/multi/manifests/v1`, { headers: { accept: OCI_INDEX } });
    expect(anonymous.status).toBe(401);
  });

  it("the direct pusher pushes a Docker manifest list and image (token auth), skipping what exists", async () => {
    const target = { url: registry.url, repo: "direct/docker", credentials: registry.credentials };
    const list = dockerManifestList();
    expect(await pushFixture(list, { ...target, tag: "list" })).toEqual({ uploaded: 6, skipped: 0, manifests: 3 });
    expect(await pushFixture(list, { ...target, tag: "list" })).toEqual({ uploaded: 0, skipped: 6, manifests: 3 });
    const image = dockerImage();
    await pushFixture(image, { ...target, tag: "image" });
    const rawList = await skopeoInspectRaw(registry, "direct/docker", "list");
    expect(sha256(Buffer.from(rawList))).toBe(list.root.digest);
    expect(JSON.parse(rawList).mediaType).toBe(DOCKER_MANIFEST_LIST);
    const rawImage = await skopeoInspectRaw(registry, "direct/docker", image.root.digest);
    expect(JSON.parse(rawImage).mediaType).toBe(DOCKER_MANIFEST);
  });

  it("pushes an artifact with a subject and its referrers fallback tag", async () => {
    const target = { url: registry.url, repo: "direct/art", credentials: registry.credentials };
    const subject = multiArchIndex({ seed: "art", layerSizes: [100] });
    await pushFixture(subject, { ...target, tag: "v1" });
    const sig = artifact({ subject: subject.root, artifactType: "application/vnd.example.sig" });
    await pushFixture(sig, target);
    const fallback = referrersFallback(subject.root, [sig.root]);
    await pushFixture(fallback, { ...target, tag: fallback.tag });
    const raw = JSON.parse(await skopeoInspectRaw(registry, "direct/art", fallback.tag));
    expect(raw.manifests[0]).toMatchObject({ digest: sig.root.digest, artifactType: "application/vnd.example.sig" });
    const { stdout } = await run("skopeo", ["list-tags", "--tls-verify=false", `docker://${registry.host}/direct/art`]);
    expect(JSON.parse(stdout).Tags.sort()).toEqual([fallback.tag, "v1"].sort());
  });

  it("pushes many small layers and a large streamed layer", async () => {
    const target = { url: registry.url, repo: "direct/big", credentials: registry.credentials };
    const many = manyLayersImage({ count: 40, layerSize: 16 * 1024 });
    expect((await pushFixture(many, { ...target, tag: "many" })).uploaded).toBe(41);
    const large = await writeLargeLayerImage(path.join(work, "large"), { size: 32 * 1024 * 1024 });
    expect((await pushFixture(large, { ...target, tag: "large" })).uploaded).toBe(2);
    const raw = await skopeoInspectRaw(registry, "direct/big", "large");
    expect(sha256(Buffer.from(raw))).toBe(large.root.digest);
  });
});
