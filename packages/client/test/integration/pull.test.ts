import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ANNOTATION_CONTAINERD_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_INDEX,
  readAll,
} from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { memoryStore } from "@toci/store-memory";
import {
  artifact,
  dockerImage,
  dockerManifestList,
  multiArchIndex,
  ociImage,
  pushFixture,
  pushWithSkopeo,
  writeLayout,
} from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { collect, newClient, registries, succeeded, uniqueRepo } from "./helpers.js";

describe("pull from a real registry (distribution 2.8.2)", () => {
  it("pulls a multi-arch OCI index pushed by skopeo, every platform, and names the root", async () => {
    const { plain } = registries();
    const fixture = multiArchIndex({ seed: "pull-all" });
    const dir = await mkdtemp(join(tmpdir(), "toci-layout-"));
    const repo = uniqueRepo("pull");
    try {
      await writeLayout(dir, fixture, "v1");
      await pushWithSkopeo(dir, "v1", plain, repo);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const { client, store } = newClient();
    const events = await collect(client.registry(plain.url).repo(repo).pull("v1"));
    expect(succeeded(events)).toBe(true);
    const last = events.at(-1)!;
    const total = fixture.blobs.reduce((n, b) => n + b.descriptor.size, 0);
    expect(last).toMatchObject({ bytes: total, totalBytes: total });
    for (const blob of fixture.blobs) expect(await store.exists(blob.descriptor)).toBe(true);
    const root = await store.resolve(`${plain.host}/${repo}:v1`);
    expect(root?.digest).toBe(fixture.root.digest);
    expect(root?.annotations?.[ANNOTATION_REF_NAME]).toBe("v1");
    expect(root?.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME]).toBe(`${plain.host}/${repo}:v1`);
  });

  it("pulls one platform (linux/arm64 matches arm64/v8) and names that manifest, like skopeo", async () => {
    const { plain } = registries();
    const fixture = multiArchIndex({ seed: "pull-platform" });
    const repo = uniqueRepo("pull");
    await pushFixture(fixture, { url: plain.url, repo, tag: "v1" });
    const { client, store } = newClient();
    const events = await collect(client.registry(plain.url).repo(repo).pull("v1", { platform: "linux/arm64" }));
    expect(succeeded(events)).toBe(true);
    const arm = fixture.images[1]!;
    const root = await store.resolve("v1");
    expect(root?.digest).toBe(arm.root.digest);
    for (const d of [arm.config, ...arm.layers]) expect(await store.exists(d)).toBe(true);
    for (const d of fixture.images[0]!.layers) expect(await store.exists(d)).toBe(false);
    expect(await store.exists(fixture.root)).toBe(false);
    // A predicate works too, and a platform the index lacks fails with NOT_FOUND listing what it has.
    const again = await collect(
      client
        .registry(plain.url)
        .repo(repo)
        .pull("v1", { platform: (p) => p.architecture === "amd64" }),
    );
    expect(succeeded(again)).toBe(true);
    const none = await collect(client.registry(plain.url).repo(repo).pull("v1", { platform: "linux/s390x" }));
    expect(none.at(-1)).toMatchObject({ type: "failed", error: { code: "NOT_FOUND" } });
  });

  it("pulls a Docker manifest list and schema 2 images", async () => {
    const { plain } = registries();
    const fixture = dockerManifestList({ seed: "docker" });
    const repo = uniqueRepo("docker");
    await pushFixture(fixture, { url: plain.url, repo, tag: "latest" });
    const { client, store } = newClient();
    const r = client.registry(plain.url).repo(repo);
    expect(await r.resolve("latest")).toMatchObject({ mediaType: DOCKER_MANIFEST_LIST, digest: fixture.root.digest });
    expect(succeeded(await collect(r.pull("latest")))).toBe(true);
    for (const blob of fixture.blobs) expect(await store.exists(blob.descriptor)).toBe(true);
  });

  it("resolves a Docker schema 2 image by tag as schema 2 (2.8.2 rewrites it to schema 1 for clients that do not ask)", async () => {
    const { plain } = registries();
    const fixture = dockerImage({ seed: "schema2" });
    const repo = uniqueRepo("schema2");
    await pushFixture(fixture, { url: plain.url, repo, tag: "v1" });
    const { client, store } = newClient();
    const r = client.registry(plain.url).repo(repo);
    expect(await r.resolve("v1")).toEqual({
      mediaType: DOCKER_MANIFEST,
      digest: fixture.root.digest,
      size: fixture.root.size,
    });
    expect(succeeded(await collect(r.pull("v1")))).toBe(true);
    expect((await store.resolve("v1"))?.digest).toBe(fixture.root.digest);
    // Without the Docker type in Accept the registry answers something else: what toci avoids by always asking.
    const bare = await fetch(`${plain.url}/v2/${repo}/manifests/v1`, { method: "HEAD" });
    expect(bare.headers.get("docker-content-digest")).not.toBe(fixture.root.digest);
  });

  it("lists no tags once every manifest is deleted (2.8.2 answers tags: null)", async () => {
    const { plain } = registries();
    const fixture = ociImage({ seed: "nulltags" });
    const repo = uniqueRepo("nulltags");
    await pushFixture(fixture, { url: plain.url, repo, tag: "v1" });
    const { client } = newClient();
    const r = client.registry(plain.url).repo(repo);
    expect(await r.delete(fixture.root)).toBe(true);
    const raw = await (await fetch(`${plain.url}/v2/${repo}/tags/list`)).json();
    expect(raw).toMatchObject({ tags: null });
    expect(await r.tags()).toEqual([]);
  });

  it("pulls an artifact with artifactType and subject, and by descriptor without naming it", async () => {
    const { plain } = registries();
    const image = ociImage({ seed: "subject" });
    const art = artifact({
      subject: image.root,
      files: [{ data: new TextEncoder().encode("sbom"), title: "sbom.txt" }],
    });
    const repo = uniqueRepo("artifact");
    await pushFixture(image, { url: plain.url, repo, tag: "v1" });
    await pushFixture(art, { url: plain.url, repo });
    const { client, store } = newClient();
    expect(succeeded(await collect(client.registry(plain.url).repo(repo).pull(art.root)))).toBe(true);
    for (const blob of art.blobs) expect(await store.exists(blob.descriptor)).toBe(true);
    expect(await store.list()).toEqual([]);
  });

  it("resolves with HEAD, lists tags (unsorted, unpaginated on 2.8.2), checks existence and fetches verified", async () => {
    const { plain } = registries();
    const fixture = ociImage({ seed: "meta" });
    const repo = uniqueRepo("meta");
    for (const tag of ["b", "a", "c"]) await pushFixture(fixture, { url: plain.url, repo, tag });
    const { client } = newClient();
    const r = client.registry(plain.url).repo(repo);
    expect((await r.tags()).sort()).toEqual(["a", "b", "c"]);
    const desc = await r.resolve("a");
    expect(desc).toEqual({ mediaType: fixture.root.mediaType, digest: fixture.root.digest, size: fixture.root.size });
    expect(await r.exists(desc!)).toBe(true);
    expect(await r.exists({ ...fixture.root, digest: `sha256:${"0".repeat(64)}` })).toBe(false);
    const bytes = await r.fetch(desc!, (s) => readAll(s, 1 << 20));
    expect(new TextDecoder().decode(bytes)).toBe(new TextDecoder().decode(fixture.blobs.at(-1)!.bytes));
    expect(await client.registry(plain.url).ping()).toBe(true);
  });

  it("runs the README's example as written, into an fs store that skopeo can read", async () => {
    const { plain } = registries();
    const fixture = multiArchIndex({ seed: "readme" });
    const repo = uniqueRepo("readme");
    await pushFixture(fixture, { url: plain.url, repo, tag: "latest" });
    const dir = await mkdtemp(join(tmpdir(), "toci-store-"));
    try {
      const { Client } = await import("../../src/index.js");
      const { fetchTransport } = await import("@toci/transport-fetch");
      const seen: number[] = [];
      {
        await using client = new Client({ transport: fetchTransport(), store: await fsStore(dir) });
        const registry = client.registry(plain.url); // anonymous (default)
        const r = registry.repo(repo);
        for await (const ev of r.pull("latest", { platform: (p) => p.os === "linux" && p.architecture === "arm64" })) {
          if (ev.type === "progress") seen.push(ev.percent);
          else throw ev.error;
        }
      }
      expect(seen.at(-1)).toBe(100);
      const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8"));
      expect(index.manifests[0].digest).toBe(fixture.images[1]!.root.digest);
      const inspected = JSON.parse(execFileSync("skopeo", ["inspect", `oci:${dir}:latest`], { encoding: "utf8" }));
      expect(inspected.Architecture).toBe("arm64");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports MANIFEST_UNKNOWN for a missing tag, and never a stack of partial content", async () => {
    const { plain } = registries();
    const { client, store, logger } = newClient();
    const events = await collect(client.registry(plain.url).repo(uniqueRepo("none")).pull("nope"));
    expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "MANIFEST_UNKNOWN", status: 404 } });
    expect(logger.errors.at(-1)?.code).toBe("MANIFEST_UNKNOWN");
    expect(await store.list()).toEqual([]);
  });

  it("serves OCI indexes only with the exact type in Accept (2.8.2), which resolve and pull send", async () => {
    const { plain } = registries();
    const fixture = multiArchIndex({ seed: "accept" });
    const repo = uniqueRepo("accept");
    await pushFixture(fixture, { url: plain.url, repo, tag: "v1" });
    const bare = await fetch(`${plain.url}/v2/${repo}/manifests/${fixture.root.digest}`, {
      headers: { accept: "*/*" },
    });
    expect(bare.status).toBe(404);
    await bare.body?.cancel();
    const { client } = newClient(memoryStore());
    expect(await client.registry(plain.url).repo(repo).resolve("v1")).toMatchObject({ mediaType: OCI_INDEX });
  });
});
