// The write side against distribution 2.8.2, directly and through the fault proxy.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Descriptor, describe as describeContent, OCI_INDEX, readAll, writeBlob } from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { memoryStore } from "@toci/store-memory";
import { artifact, multiArchIndex, ociImage, pushFixture, seededBytes } from "@toci/testkit/fixtures";
import {
  chunkMinLength,
  type FaultProxy,
  limitRequestSize,
  rangeNotSatisfiable,
  relativeLocation,
  respond,
  startFaultProxy,
  unavailable,
} from "@toci/testkit/proxy";
import { describe, expect, it } from "vitest";
import { fileFaultProxy } from "./fault-proxy.js";
import { collect, newClient, registries, succeeded, uniqueRepo } from "./helpers.js";

const proxy = fileFaultProxy("plain");
const referrersProxy = fileFaultProxy("plain", { referrers: true });

async function blob(size: number, seed: string): Promise<{ bytes: Uint8Array; desc: Descriptor }> {
  const bytes = seededBytes(seed, size);
  return { bytes, desc: await describeContent(bytes) };
}

/** Pushes a blob through the proxy and aborts once `bytes` are done, as Ctrl-C would; then closes the client. */
async function pushStoppedAt(
  client: ReturnType<typeof newClient>["client"],
  { repo, data, bytes }: { repo: string; data: { bytes: Uint8Array; desc: Descriptor }; bytes: number },
): Promise<void> {
  const controller = new AbortController();
  const events = [];
  const push = client.registry(proxy.url).repo(repo).push(data.bytes, data.desc, { signal: controller.signal });
  for await (const e of push) {
    events.push(e);
    if (e.type === "progress" && e.bytes >= bytes) controller.abort();
  }
  expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "ABORTED" } });
  await client.close();
}

const uploads = (p: FaultProxy, method: string) =>
  p.requests.filter((r) => r.method === method && r.path.includes("/blobs/uploads/"));

describe("blob push", () => {
  it("pushes small blobs in one PUT and large ones in chunks, and skips what exists", async () => {
    const { plain } = registries();
    const repo = uniqueRepo("blobs");
    const small = await blob(100_000, "small");
    const large = await blob(5_000_000, "large");
    const { client } = newClient(memoryStore(), { monolithicMax: 1_000_000, chunkSize: 2_000_000 });
    const r = client.registry(proxy.url).repo(repo);
    proxy.clearRequests();
    expect(succeeded(await collect(r.push(small.bytes, small.desc)))).toBe(true);
    expect(uploads(proxy, "PATCH")).toHaveLength(0);
    expect(succeeded(await collect(r.push(new Blob([large.bytes as BlobPart]), large.desc)))).toBe(true);
    const patches = uploads(proxy, "PATCH");
    expect(patches.map((p) => p.headers["content-range"])).toEqual(["0-1999999", "2000000-3999999", "4000000-4999999"]);
    expect(await r.exists(large.desc)).toBe(true);
    const got = await client
      .registry(plain.url)
      .repo(repo)
      .fetch(large.desc, (s) => readAll(s, 10_000_000));
    expect(got?.byteLength).toBe(large.bytes.byteLength);
    proxy.clearRequests();
    expect(succeeded(await collect(r.push(large.bytes, large.desc)))).toBe(true);
    expect(proxy.requests.map((q) => q.method)).toEqual(["HEAD"]);
  });

  it("pushes a one-shot stream, and refuses content that does not match the descriptor", async () => {
    const repo = uniqueRepo("stream");
    const data = await blob(3_000_000, "stream");
    const { client, logger } = newClient(memoryStore(), { monolithicMax: 1_000_000, chunkSize: 1_000_000 });
    const r = client.registry(proxy.url).repo(repo);
    expect(succeeded(await collect(r.push(new Blob([data.bytes as BlobPart]).stream(), data.desc)))).toBe(true);
    // Bytes that do not hash to the descriptor's digest: refused before the registry has them all, nothing stored.
    const wrong = await blob(1000, "wrong");
    const lying = await collect(
      r.push(wrong.bytes, { ...wrong.desc, digest: (await blob(1000, "other")).desc.digest }),
    );
    expect(lying.at(-1)).toMatchObject({ type: "failed", error: { code: "DIGEST_MISMATCH" } });
    expect(await r.exists(wrong.desc)).toBe(false);
    expect(logger.errors.length).toBeGreaterThan(0);
  });

  it("sends a one-shot stream in requests of at most 16 MiB, even under a larger monolithicMax (it is buffered)", async () => {
    const repo = uniqueRepo("oneshot");
    const data = await blob(20 * 1024 * 1024, "oneshot");
    const { client } = newClient(memoryStore()); // monolithicMax 64 MiB: a seekable source would go in one PUT
    proxy.clearRequests();
    const r = client.registry(proxy.url).repo(repo);
    expect(succeeded(await collect(r.push(new Blob([data.bytes as BlobPart]).stream(), data.desc)))).toBe(true);
    const bodies = [...uploads(proxy, "PATCH"), ...uploads(proxy, "PUT")].map((q) => q.bytesIn);
    expect(bodies.reduce((a, b) => a + b, 0)).toBe(data.bytes.byteLength);
    expect(Math.max(...bodies)).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(await r.exists(data.desc)).toBe(true);
  });

  it("honours OCI-Chunk-Min-Length, relative Locations, and uses the newest Location every time", async () => {
    const repo = uniqueRepo("minchunk");
    const data = await blob(7_000_000, "minchunk");
    const rules = [
      proxy.on({ method: "POST", path: "/blobs/uploads/" }, chunkMinLength(3_000_000)),
      proxy.on({ path: "/blobs/uploads/" }, relativeLocation()),
    ];
    proxy.clearRequests();
    const { client } = newClient(memoryStore(), { monolithicMax: 1_000_000, chunkSize: 1_000_000 });
    expect(succeeded(await collect(client.registry(proxy.url).repo(repo).push(data.bytes, data.desc)))).toBe(true);
    const patches = uploads(proxy, "PATCH");
    expect(patches.map((p) => p.bytesIn)).toEqual([3_000_000, 3_000_000, 1_000_000]);
    // Each request used the _state of the previous answer (2.8.2 refuses a stale one with 404).
    expect(new Set(patches.map((p) => p.path)).size).toBe(patches.length);
    for (const r of rules) r.remove();
  });

  it("shrinks chunks on 413 (GHCR's 4 MiB cap) and remembers the cap", async () => {
    const repo = uniqueRepo("cap");
    const data = await blob(9_000_000, "cap");
    const rule = proxy.on({ method: ["PATCH", "PUT"], path: "/blobs/uploads/" }, limitRequestSize(4 * 1024 * 1024));
    proxy.clearRequests();
    const { client } = newClient(memoryStore(), { monolithicMax: 1_000_000, chunkSize: 8 * 1024 * 1024 });
    expect(succeeded(await collect(client.registry(proxy.url).repo(repo).push(data.bytes, data.desc)))).toBe(true);
    const patches = uploads(proxy, "PATCH");
    expect(patches[0]!.status).toBe(413);
    expect(patches.filter((p) => p.status === 202).every((p) => p.bytesIn <= 4 * 1024 * 1024)).toBe(true);
    rule.remove();
  });

  it("resynchronises after a 416 from the upload status", async () => {
    const repo = uniqueRepo("416");
    const data = await blob(5_000_000, "416");
    const rule = proxy.on({ method: "PATCH", path: "/blobs/uploads/", skip: 1, times: 1 }, rangeNotSatisfiable());
    proxy.clearRequests();
    const { client } = newClient(memoryStore(), { monolithicMax: 1_000_000, chunkSize: 2_000_000 });
    expect(succeeded(await collect(client.registry(proxy.url).repo(repo).push(data.bytes, data.desc)))).toBe(true);
    expect(rule.hits).toBe(1);
    expect(proxy.requests.some((q) => q.method === "GET" && q.path.includes("/blobs/uploads/"))).toBe(true);
  });

  it("resumes a push killed mid-blob: the rerun does not send the acknowledged bytes again", async () => {
    const repo = uniqueRepo("resume");
    const data = await blob(8_000_000, "resume");
    const dir = await mkdtemp(join(tmpdir(), "toci-push-resume-"));
    try {
      // The upload state lives in the fs store, so a new process (a new client) finds it. The first run is stopped
      // while the third 2 MB chunk is on its way (4 MB acknowledged), as Ctrl-C or a kill would stop it.
      {
        const { client } = newClient(await fsStore(dir), { monolithicMax: 1_000_000, chunkSize: 2_000_000 });
        await pushStoppedAt(client, { repo, data, bytes: 5_000_000 });
      }
      proxy.clearRequests();
      const { client } = newClient(await fsStore(dir), { monolithicMax: 1_000_000, chunkSize: 2_000_000 });
      const events = await collect(client.registry(proxy.url).repo(repo).push(data.bytes, data.desc));
      expect(succeeded(events)).toBe(true);
      const sent =
        uploads(proxy, "PATCH").reduce((n, p) => n + p.bytesIn, 0) +
        uploads(proxy, "PUT").reduce((n, p) => n + p.bytesIn, 0);
      expect(events.at(-1)).toMatchObject({ transferredBytes: sent });
      expect(uploads(proxy, "POST")).toHaveLength(0);
      expect(sent).toBeLessThanOrEqual(data.bytes.byteLength - 4_000_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("with the default chunking, a push stopped after a big blob's first chunk resumes after it", async () => {
    const repo = uniqueRepo("resume-default");
    // Over the default monolithicMax: one 64 MiB chunk, then the last 8 MiB.
    const data = await blob(72 * 1024 * 1024, "resume-default");
    const dir = await mkdtemp(join(tmpdir(), "toci-push-resume-default-"));
    try {
      // Stopped as the first chunk is acknowledged (or, on a slow run, early in the second, which the abort lets
      // finish: stopping mid-PATCH would cost the session on 2.8.2).
      await pushStoppedAt(newClient(await fsStore(dir)).client, { repo, data, bytes: 64 * 1024 * 1024 });
      proxy.clearRequests();
      const { client } = newClient(await fsStore(dir));
      expect(succeeded(await collect(client.registry(proxy.url).repo(repo).push(data.bytes, data.desc)))).toBe(true);
      const sent = [...uploads(proxy, "PATCH"), ...uploads(proxy, "PUT")].reduce((n, p) => n + p.bytesIn, 0);
      expect(uploads(proxy, "POST")).toHaveLength(0);
      expect(sent).toBeLessThanOrEqual(8 * 1024 * 1024);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keeps a remembered session through temporary errors: no fresh session, resumed by the next push", async () => {
    const repo = uniqueRepo("keep");
    const data = await blob(6_000_000, "keep");
    const dir = await mkdtemp(join(tmpdir(), "toci-push-keep-"));
    const tuning = { monolithicMax: 1_000_000, chunkSize: 2_000_000 };
    try {
      {
        // A first push stopped after 2 MB were acknowledged: the session is remembered in the store.
        const { client } = newClient(await fsStore(dir), tuning);
        const controller = new AbortController();
        for await (const e of client
          .registry(proxy.url)
          .repo(repo)
          .push(data.bytes, data.desc, { signal: controller.signal })) {
          if (e.type === "progress" && e.bytes >= 2_000_000) controller.abort();
        }
        await client.close();
      }
      // The resumed push meets a registry that answers every PATCH with 503: it fails, but must not trade the
      // remembered session (bytes on the registry) for a fresh one from byte 0.
      proxy.clearRequests();
      const rule = proxy.on({ method: "PATCH", path: /\/blobs\/uploads\// }, unavailable());
      {
        const { client } = newClient(await fsStore(dir), { ...tuning, noRetry: true });
        const events = await collect(client.registry(proxy.url).repo(repo).push(data.bytes, data.desc));
        expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "UNAVAILABLE" } });
        await client.close();
      }
      expect(uploads(proxy, "POST")).toHaveLength(0);
      rule.remove();
      proxy.clearRequests();
      const { client } = newClient(await fsStore(dir), tuning);
      expect(succeeded(await collect(client.registry(proxy.url).repo(repo).push(data.bytes, data.desc)))).toBe(true);
      expect(uploads(proxy, "POST")).toHaveLength(0); // the remembered session, resumed
      await client.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("replaces a session the registry dropped after a 500 with a fresh one (two processes on one session)", async () => {
    // What 2.8.2 does when two processes PATCH one remembered session at once: a 500, then it no longer knows the
    // session. The push must not end on the 500 but start a new session.
    const repo = uniqueRepo("dropped");
    const data = await blob(3_000_000, "dropped");
    proxy.clearRequests();
    const errors = (code: string) => ({ body: { errors: [{ code, message: code.toLowerCase() }] } });
    proxy.on({ method: "PATCH", path: /\/blobs\/uploads\//, times: 1 }, respond(500, errors("UNKNOWN")));
    proxy.on({ method: "GET", path: /\/blobs\/uploads\//, times: 1 }, respond(404, errors("BLOB_UPLOAD_UNKNOWN")));
    const { client } = newClient(memoryStore(), { monolithicMax: 1_000_000, chunkSize: 1_000_000 });
    const events = await collect(client.registry(proxy.url).repo(repo).push(data.bytes, data.desc));
    expect(events.at(-1)).toMatchObject({ type: "progress", percent: 100 });
    expect(uploads(proxy, "POST")).toHaveLength(2);
    expect(await client.registry(proxy.url).repo(repo).exists(data.desc)).toBe(true);
  });

  it("never sends credentials to an upload Location on another origin", async () => {
    const { token } = registries();
    const tokenProxy = await startFaultProxy({ target: token.url });
    try {
      let elsewhere = "";
      tokenProxy.on(
        { method: "POST", path: "/blobs/uploads/" },
        {
          name: "location-elsewhere",
          async responseHead(ctx, head) {
            const origin = await ctx.blobOrigin();
            elsewhere = origin.url;
            head.headers.location = `${origin.url}/v2/upload/session?_state=x`;
            return false;
          },
        },
      );
      const data = await blob(10_000, "elsewhere");
      const { client } = newClient();
      const r = client
        .registry(tokenProxy.url, { auth: { type: "basic", ...token.credentials! } })
        .repo(uniqueRepo("loc"));
      const events = await collect(r.push(data.bytes, data.desc));
      expect(events.at(-1)).toMatchObject({ type: "failed" });
      expect(elsewhere).not.toBe("");
      const there = tokenProxy.blobOrigin!.requests;
      expect(there.length).toBeGreaterThan(0);
      expect(there.every((q) => !q.authorization)).toBe(true);
      expect(tokenProxy.requests.some((q) => q.authorization)).toBe(true);
    } finally {
      await tokenProxy.stop();
    }
  });

  it("mounts a blob from another repository of the same registry (201)", async () => {
    const repoA = uniqueRepo("mount-a");
    const repoB = uniqueRepo("mount-b");
    const data = await blob(2_000_000, "mount");
    const { client } = newClient();
    const registry = client.registry(proxy.url);
    expect(succeeded(await collect(registry.repo(repoA).push(data.bytes, data.desc)))).toBe(true);
    proxy.clearRequests();
    expect(succeeded(await collect(registry.repo(repoB).push(data.bytes, data.desc, { mountFrom: [repoA] })))).toBe(
      true,
    );
    const posts = uploads(proxy, "POST");
    expect(posts).toHaveLength(1);
    expect(posts[0]!.path).toContain(`mount=${encodeURIComponent(data.desc.digest)}`);
    expect(posts[0]!.status).toBe(201);
    expect(uploads(proxy, "PUT")).toHaveLength(0);
  });
});

describe("trees, tags, delete", () => {
  it("pushes a multi-arch tree from the store children first; skopeo reads it byte-identical; a re-push is a no-op", async () => {
    const { plain } = registries();
    const fixture = multiArchIndex({ seed: "tree" });
    const store = memoryStore();
    for (const b of fixture.blobs) await writeBlob(store, b.descriptor, b.bytes!);
    const repo = uniqueRepo("tree");
    const { client } = newClient(store);
    proxy.clearRequests();
    expect(succeeded(await collect(client.registry(proxy.url).repo(repo).push(fixture.root, { tag: "v1" })))).toBe(
      true,
    );
    const puts = proxy.requests.filter((q) => q.method === "PUT" && q.path.includes("/manifests/"));
    expect(puts.at(-1)!.path).toMatch(/\/manifests\/v1$/);
    expect(puts).toHaveLength(3);
    const raw = execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${plain.host}/${repo}:v1`]);
    expect(createHash("sha256").update(raw).digest("hex")).toBe(fixture.root.digest.slice(7));
    expect((await store.resolve(`${proxy.host}/${repo}:v1`))?.digest).toBe(fixture.root.digest);
    proxy.clearRequests();
    const again = await collect(client.registry(proxy.url).repo(repo).push(fixture.root, { tag: "v1" }));
    expect(succeeded(again)).toBe(true);
    // The tag names the root already: one HEAD, nothing sent.
    expect(again.at(-1)).toMatchObject({ transferredBytes: 0 });
    expect(proxy.requests.map((q) => `${q.method} ${q.path}`)).toEqual([`HEAD /v2/${repo}/manifests/v1`]);
  });

  it("mounts instead of uploading what the store remembers pulling from another repository of the registry", async () => {
    const fixture = ociImage({ seed: "remember", layerSizes: [500_000] });
    const from = uniqueRepo("remember-src");
    const to = uniqueRepo("remember-dst");
    await pushFixture(fixture, { url: proxy.url, repo: from, tag: "v1" });
    const { client } = newClient();
    const registry = client.registry(proxy.url);
    expect(succeeded(await collect(registry.repo(from).pull("v1")))).toBe(true);
    proxy.clearRequests();
    expect(succeeded(await collect(registry.repo(to).push(fixture.root, { tag: "v1" })))).toBe(true);
    const posts = uploads(proxy, "POST");
    expect(posts.length).toBe(2); // config and layer
    expect(posts.every((p) => p.path.includes(`from=${encodeURIComponent(from)}`) && p.status === 201)).toBe(true);
    expect(uploads(proxy, "PUT")).toHaveLength(0);
  });

  it("tags exact bytes under several tags (one PUT each on 2.8.2), and deletes by digest", async () => {
    const { plain } = registries();
    const fixture = ociImage({ seed: "tags" });
    const repo = uniqueRepo("tags");
    await pushFixture(fixture, { url: plain.url, repo });
    const { client, logger } = newClient();
    const r = client.registry(plain.url).repo(repo);
    expect(await r.tag(fixture.root, ["a", "b", "c"])).toMatchObject({ digest: fixture.root.digest });
    expect((await r.tags()).sort()).toEqual(["a", "b", "c"]);
    expect(await r.delete("a")).toBe(false);
    expect(logger.errors.at(-1)?.code).toBe("UNSUPPORTED");
    expect(await r.delete(fixture.root)).toBe(true);
    expect(await r.tags()).toEqual([]);
    expect(await r.delete(fixture.layers[0]!)).toBe(true);
    expect(await r.exists(fixture.layers[0]!)).toBe(false);
  });
});

describe("referrers", () => {
  it("lists referrers through the fallback tag on 2.8.2, maintained on push with annotations copied", async () => {
    const { plain } = registries();
    const image = ociImage({ seed: "ref-image" });
    const repo = uniqueRepo("referrers");
    await pushFixture(image, { url: plain.url, repo, tag: "v1" });
    const { client } = newClient();
    const r = client.registry(plain.url).repo(repo);
    const sigs = [
      artifact({ subject: image.root, artifactType: "application/vnd.example.sig", annotations: { who: "alice" } }),
      artifact({
        subject: image.root,
        artifactType: "application/vnd.example.sbom",
        files: [{ data: new Uint8Array([1, 2]) }],
      }),
    ];
    for (const sig of sigs) {
      const store = client.store;
      for (const b of sig.blobs) await writeBlob(store, b.descriptor, b.bytes!);
      expect(succeeded(await collect(r.push(sig.root)))).toBe(true);
    }
    const all = await r.referrers(image.root);
    expect(all.map((d) => d.digest).sort()).toEqual(sigs.map((s) => s.root.digest).sort());
    const sig = all.find((d) => d.artifactType === "application/vnd.example.sig");
    expect(sig?.annotations).toEqual({ who: "alice" });
    expect(await r.referrers(image.root, { artifactType: "application/vnd.example.sbom" })).toHaveLength(1);
    expect((await r.tags()).filter((t) => t.startsWith("sha256-"))).toEqual([`sha256-${image.root.digest.slice(7)}`]);
    // Deleting a referrer takes it out of the fallback index.
    expect(await r.delete(sigs[0]!.root)).toBe(true);
    expect((await r.referrers(image.root)).map((d) => d.digest)).toEqual([sigs[1]!.root.digest]);
  });

  it("two concurrent attaches keep both referrers", async () => {
    const { plain } = registries();
    const image = ociImage({ seed: "race" });
    const repo = uniqueRepo("race");
    await pushFixture(image, { url: plain.url, repo, tag: "v1" });
    const arts = Array.from({ length: 8 }, (_, i) => artifact({ subject: image.root, annotations: { n: String(i) } }));
    // Separate clients, as separate processes would be: no shared in-process lock.
    await Promise.all(
      arts.map(async (a) => {
        const { client } = newClient();
        for (const b of a.blobs) await writeBlob(client.store, b.descriptor, b.bytes!);
        expect(succeeded(await collect(client.registry(plain.url).repo(repo).push(a.root)))).toBe(true);
      }),
    );
    const { client } = newClient();
    const got = await client.registry(plain.url).repo(repo).referrers(image.root);
    expect(got.map((d) => d.digest).sort()).toEqual(arts.map((a) => a.root.digest).sort());
  });

  it("uses the referrers API where the registry has one, and learns that it does", async () => {
    const image = ociImage({ seed: "api" });
    const repo = uniqueRepo("api");
    await pushFixture(image, { url: referrersProxy.url, repo, tag: "v1" });
    const sig = artifact({ subject: image.root, artifactType: "application/vnd.example.sig" });
    await pushFixture(sig, { url: referrersProxy.url, repo });
    referrersProxy.clearRequests();
    const { client } = newClient();
    const r = client.registry(referrersProxy.url).repo(repo);
    expect((await r.referrers(image.root)).map((d) => d.digest)).toEqual([sig.root.digest]);
    expect(await r.referrers(image.root, { artifactType: "application/vnd.other" })).toEqual([]);
    expect(referrersProxy.requests.filter((q) => q.path.includes("/referrers/"))).toHaveLength(2);
    expect(referrersProxy.requests.some((q) => q.path.includes("/manifests/sha256-"))).toBe(false);
  });
});

describe("copy", () => {
  it("copies between repositories, mounting blobs on the same registry, and skips what exists", async () => {
    const { plain } = registries();
    const fixture = multiArchIndex({ seed: "copy" });
    const src = uniqueRepo("copy-src");
    const dst = uniqueRepo("copy-dst");
    await pushFixture(fixture, { url: plain.url, repo: src, tag: "v1" });
    const { client } = newClient();
    const registry = client.registry(proxy.url);
    proxy.clearRequests();
    expect(succeeded(await collect(client.copy(registry.repo(src), "v1", registry.repo(dst))))).toBe(true);
    const mounts = uploads(proxy, "POST").filter((q) => q.path.includes("mount="));
    expect(mounts.length).toBe(
      fixture.blobs.filter(
        (b) => !b.descriptor.mediaType.includes("manifest") && !b.descriptor.mediaType.includes("index"),
      ).length,
    );
    expect(mounts.every((m) => m.status === 201)).toBe(true);
    expect(await registry.repo(dst).resolve("v1")).toMatchObject({ digest: fixture.root.digest, mediaType: OCI_INDEX });
    // One platform to another tag.
    expect(
      succeeded(
        await collect(
          client.copy(registry.repo(src), "v1", registry.repo(dst), { tag: "arm", platform: "linux/arm64" }),
        ),
      ),
    ).toBe(true);
    expect((await registry.repo(dst).resolve("arm"))?.digest).toBe(fixture.images[1]!.root.digest);
    // Between two registries (no mount possible): streams the blobs.
    const { htpasswd } = registries();
    const other = client.registry(htpasswd.url, { auth: { type: "basic", ...htpasswd.credentials! } });
    expect(succeeded(await collect(client.copy(registry.repo(src), "v1", other.repo(dst))))).toBe(true);
    expect((await other.repo(dst).resolve("v1"))?.digest).toBe(fixture.root.digest);
    void readFile;
  });
});
