// Pulls through the fault proxy: what real registries and networks do to a client, and what toci does about it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsStore } from "@toci/store-fs";
import { manyLayersImage, multiArchIndex, ociImage, pushFixture } from "@toci/testkit/fixtures";
import {
  corrupt,
  cutAfter,
  type FaultProxy,
  paginate,
  redirectBlob,
  stripDigest,
  tooManyRequests,
  unavailable,
} from "@toci/testkit/proxy";
import { describe, expect, it } from "vitest";
import { fileFaultProxy } from "./fault-proxy.js";
import { collect, newClient, registries, succeeded, uniqueRepo } from "./helpers.js";

const proxy = fileFaultProxy("plain");
const tokenProxy = fileFaultProxy("token");

const blobGets = (p: FaultProxy, digest: string) =>
  p.requests.filter((r) => r.method === "GET" && r.path.endsWith(`/blobs/${digest}`));

describe("pull through faults", () => {
  it("resumes a blob cut mid-way with Range, from the bytes already held", async () => {
    const fixture = ociImage({ seed: "cut", layerSizes: [3_000_000] });
    const repo = uniqueRepo("cut");
    await pushFixture(fixture, { url: proxy.url, repo, tag: "v1" });
    const layer = fixture.layers[0]!;
    proxy.clearRequests();
    const rule = proxy.on({ method: "GET", path: `/blobs/${layer.digest}`, times: 1 }, cutAfter(1_000_000));
    const { client, store } = newClient();
    const events = await collect(client.registry(proxy.url).repo(repo).pull("v1"));
    expect(succeeded(events)).toBe(true);
    expect(rule.hits).toBe(1);
    const gets = blobGets(proxy, layer.digest);
    expect(gets).toHaveLength(2);
    expect(gets[0]!.headers.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]!.headers.range ?? "")?.[1]);
    expect(resumedAt).toBeGreaterThan(500_000);
    expect(gets[1]!.bytesOut).toBe(layer.size - resumedAt);
    expect(await store.exists(layer)).toBe(true);
  });

  it("resumes after the process was interrupted: a rerun continues the partial blob in the fs store", async () => {
    const fixture = ociImage({ seed: "restart", layerSizes: [4_000_000] });
    const repo = uniqueRepo("restart");
    await pushFixture(fixture, { url: proxy.url, repo, tag: "v1" });
    const layer = fixture.layers[0]!;
    const dir = await mkdtemp(join(tmpdir(), "toci-resume-"));
    try {
      // First run: the connection dies after 1.5 MB and no retry is allowed, as when a process is killed.
      proxy.on({ method: "GET", path: `/blobs/${layer.digest}`, times: 1 }, cutAfter(1_500_000));
      {
        const { client, store } = newClient(await fsStore(dir), { noRetry: true, blobAttempts: 1 });
        const first = await collect(client.registry(proxy.url).repo(repo).pull("v1"));
        expect(first.at(-1)).toMatchObject({ type: "failed", error: { code: "NETWORK" } });
        expect(await store.exists(layer)).toBe(false);
        expect(await store.resolve("v1")).toBeUndefined();
        await client.close();
      }
      proxy.clearRequests();
      const { client, store } = newClient(await fsStore(dir));
      const events = await collect(client.registry(proxy.url).repo(repo).pull("v1"));
      expect(succeeded(events)).toBe(true);
      // What the rerun reports as transferred is exactly what the registry sent it: the partial's tail, and
      // whatever the first run had not finished (manifests are committed last, so they come again).
      const served = proxy.requests.filter((r) => r.method === "GET").reduce((n, r) => n + r.bytesOut, 0);
      expect(events.at(-1)).toMatchObject({ transferredBytes: served });
      const gets = blobGets(proxy, layer.digest);
      expect(gets).toHaveLength(1);
      expect(gets[0]!.headers.range).toMatch(/^bytes=\d+-$/);
      expect(gets[0]!.bytesOut).toBeLessThan(layer.size - 1_000_000);
      expect((await store.resolve("v1"))?.digest).toBe(fixture.root.digest);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("restarts cleanly from zero when the registry ignores Range (200 instead of 206)", async () => {
    const fixture = ociImage({ seed: "norange", layerSizes: [3_000_000] });
    const repo = uniqueRepo("norange");
    await pushFixture(fixture, { url: proxy.url, repo, tag: "v1" });
    const layer = fixture.layers[0]!;
    proxy.clearRequests();
    const cut = proxy.on({ method: "GET", path: `/blobs/${layer.digest}`, times: 1 }, cutAfter(1_000_000));
    // A registry without Range support: the header never reaches it, so it answers 200 with the whole blob.
    const ignore = proxy.on(
      { method: "GET", path: `/blobs/${layer.digest}` },
      {
        name: "ignore-range",
        request(ctx) {
          delete ctx.req.headers.range;
          return false;
        },
      },
    );
    const { client, store } = newClient();
    expect(succeeded(await collect(client.registry(proxy.url).repo(repo).pull("v1")))).toBe(true);
    const gets = blobGets(proxy, layer.digest);
    expect(gets).toHaveLength(2);
    expect(gets[1]!.headers.range).toMatch(/^bytes=\d+-$/);
    expect([gets[1]!.status, gets[1]!.bytesOut]).toEqual([200, layer.size]);
    expect(await store.exists(layer)).toBe(true);
    cut.remove();
    ignore.remove();
  });

  it("retries 429 and 503 honouring Retry-After (seconds and HTTP-date)", async () => {
    const fixture = ociImage({ seed: "retry" });
    const repo = uniqueRepo("retry");
    await pushFixture(fixture, { url: proxy.url, repo, tag: "v1" });
    const r429 = proxy.on({ path: "/manifests/v1", times: 1 }, tooManyRequests(1));
    const r503 = proxy.on({ method: "GET", path: "/blobs/", times: 1 }, unavailable(new Date(Date.now() + 1000)));
    const { client } = newClient();
    const started = Date.now();
    expect(succeeded(await collect(client.registry(proxy.url).repo(repo).pull("v1")))).toBe(true);
    expect([r429.hits, r503.hits]).toEqual([1, 1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("stores nothing and reports DIGEST_MISMATCH when a byte is corrupted", async () => {
    const fixture = ociImage({ seed: "corrupt", layerSizes: [100_000] });
    const repo = uniqueRepo("corrupt");
    await pushFixture(fixture, { url: proxy.url, repo, tag: "v1" });
    const layer = fixture.layers[0]!;
    proxy.on({ method: "GET", path: `/blobs/${layer.digest}`, times: 1 }, corrupt(5000));
    const { client, store } = newClient();
    const events = await collect(client.registry(proxy.url).repo(repo).pull("v1"));
    expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "DIGEST_MISMATCH" } });
    expect(await store.exists(layer)).toBe(false);
    expect(await store.list()).toEqual([]);
  });

  it("falls back to GET when HEAD lacks Docker-Content-Digest", async () => {
    const fixture = ociImage({ seed: "nodigest" });
    const repo = uniqueRepo("nodigest");
    await pushFixture(fixture, { url: proxy.url, repo, tag: "v1" });
    proxy.clearRequests();
    proxy.on({ path: "/manifests/v1", times: 2 }, stripDigest());
    const { client } = newClient();
    const r = client.registry(proxy.url).repo(repo);
    expect(await r.resolve("v1")).toMatchObject({ digest: fixture.root.digest });
    expect(proxy.requests.map((q) => q.method)).toEqual(["HEAD", "GET"]);
    // And the pull, which reads the manifest anyway, GETs it by tag at once and reads it only once (koci fetched
    // it twice).
    proxy.clearRequests();
    proxy.on({ path: "/manifests/v1", times: 2 }, stripDigest());
    expect(succeeded(await collect(r.pull("v1")))).toBe(true);
    expect(proxy.requests.filter((q) => q.path.includes("/manifests/")).map((q) => q.method)).toEqual(["GET"]);
  });

  it("a pull by tag GETs the manifest at once into a store without the tag, and only HEADs it once stored", async () => {
    const fixture = ociImage({ seed: "get-first" });
    const repo = uniqueRepo("get-first");
    await pushFixture(fixture, { url: proxy.url, repo, tag: "v1" });
    const { client, store } = newClient();
    const r = client.registry(proxy.url).repo(repo);
    const manifests = () => proxy.requests.filter((q) => q.path.includes("/manifests/"));
    proxy.clearRequests();
    expect(succeeded(await collect(r.pull("v1")))).toBe(true);
    expect(manifests().map((q) => `${q.method} ${q.path.split("/manifests/")[1]}`)).toEqual(["GET v1"]);
    expect(await store.resolve(`${r.reference}:v1`)).toMatchObject({ digest: fixture.root.digest });
    // The store names the tag now: a re-pull asks whether it moved (HEAD) and reads no manifest.
    proxy.clearRequests();
    expect(succeeded(await collect(r.pull("v1")))).toBe(true);
    expect(manifests().map((q) => `${q.method} ${q.path.split("/manifests/")[1]}`)).toEqual(["HEAD v1"]);
    expect(proxy.requests.filter((q) => q.path.includes("/blobs/"))).toEqual([]);
  });

  it("follows Link pages of tags and catalog", async () => {
    const fixture = ociImage({ seed: "pages" });
    const repo = uniqueRepo("pages");
    for (let i = 0; i < 7; i++) await pushFixture(fixture, { url: proxy.url, repo, tag: `t${i}` });
    const rule = proxy.on({ path: /\/tags\/list|\/_catalog/ }, paginate({ pageSize: 3 }));
    proxy.clearRequests();
    const { client } = newClient();
    const registry = client.registry(proxy.url);
    expect(await registry.repo(repo).tags()).toEqual(["t0", "t1", "t2", "t3", "t4", "t5", "t6"]);
    expect(proxy.requests.filter((q) => q.path.includes("/tags/list"))).toHaveLength(3);
    const names: string[] = [];
    for await (const page of registry.catalog({ n: 3 })) {
      expect(page.length).toBeLessThanOrEqual(3);
      names.push(...page.map((p) => p.name));
    }
    expect(names).toContain(repo);
    expect(new Set(names).size).toBe(names.length);
    rule.remove();
  });

  it("sends no credentials to a blob redirect on another origin", async () => {
    const { token } = registries();
    const fixture = ociImage({ seed: "redirect", layerSizes: [50_000] });
    const repo = uniqueRepo("redirect");
    await pushFixture(fixture, { url: tokenProxy.url, repo, tag: "v1", credentials: token.credentials });
    tokenProxy.on({ method: "GET", path: "/blobs/" }, redirectBlob());
    const { client, store } = newClient();
    const r = client.registry(tokenProxy.url, { auth: { type: "basic", ...token.credentials! } }).repo(repo);
    expect(succeeded(await collect(r.pull("v1")))).toBe(true);
    expect(await store.exists(fixture.layers[0]!)).toBe(true);
    const served = tokenProxy.blobOrigin!.requests;
    expect(served.length).toBeGreaterThan(0);
    expect(served.every((q) => !q.authorization)).toBe(true);
    // ...while the registry itself did get them.
    expect(tokenProxy.requests.some((q) => q.authorization)).toBe(true);
  });

  it("transfers nothing on a second pull of what the store holds", async () => {
    const fixture = manyLayersImage({ seed: "again", count: 20, layerSize: 10_000 });
    const repo = uniqueRepo("again");
    await pushFixture(fixture, { url: proxy.url, repo, tag: "v1" });
    const { client } = newClient();
    const r = client.registry(proxy.url).repo(repo);
    expect(succeeded(await collect(r.pull("v1")))).toBe(true);
    proxy.clearRequests();
    const events = await collect(r.pull("v1"));
    expect(succeeded(events)).toBe(true);
    expect(proxy.requests.filter((q) => q.path.includes("/blobs/"))).toEqual([]);
    expect(events.at(-1)).toMatchObject({ percent: 100, transferredBytes: 0 });
  });

  it("aborts cleanly with ABORTED and nothing named", async () => {
    const fixture = multiArchIndex({ seed: "abort", layerSizes: [2_000_000, 2_000_000] });
    const repo = uniqueRepo("abort");
    await pushFixture(fixture, { url: proxy.url, repo, tag: "v1" });
    const { client, store } = newClient();
    const controller = new AbortController();
    const events = [];
    for await (const e of client.registry(proxy.url).repo(repo).pull("v1", { signal: controller.signal })) {
      events.push(e);
      if (e.type === "progress" && e.bytes > 0) controller.abort();
    }
    expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "ABORTED" } });
    expect(events.filter((e) => e.type === "failed")).toHaveLength(1);
    expect(await store.list()).toEqual([]);
  });
});
