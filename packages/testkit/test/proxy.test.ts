import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { MANIFEST_ACCEPT, OCI_INDEX, OCI_MANIFEST } from "@toci/spec-types";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  artifact,
  type ImageFixture,
  ociImage,
  pushFixture,
  seededBytes,
  sha256,
  writeLargeLayerImage,
} from "../src/fixtures/index.js";
import {
  chunkMinLength,
  corrupt,
  cutAfter,
  delay,
  type FaultProxy,
  hangUp,
  limitRequestSize,
  paginate,
  rangeNotSatisfiable,
  redirectBlob,
  relativeLocation,
  respond,
  rewriteHead,
  startFaultProxy,
  stripDigest,
  tooManyRequests,
  unavailable,
} from "../src/proxy/index.js";
import { type RunningRegistry, startRegistry } from "../src/registry/index.js";

const BLOB_SIZE = 2 * 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("fault proxy", () => {
  let registry: RunningRegistry;
  let proxy: FaultProxy;
  let image: ImageFixture;
  let blobPath: string;
  let blobDigest: string;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy({ target: registry.url });
    image = ociImage({ seed: "proxy", layerSizes: [BLOB_SIZE] });
    await pushFixture(image, { url: registry.url, repo: "px/img", tag: "v1" });
    blobDigest = image.layers[0]!.digest;
    blobPath = `/v2/px/img/blobs/${blobDigest}`;
  });
  afterEach(() => {
    proxy.clearRules();
    proxy.clearRequests();
    proxy.referrers.enabled = false;
    proxy.referrers.options = {};
  });
  afterAll(async () => {
    await proxy.stop();
    await registry.stop();
  });

  const get = (path: string, init: RequestInit = {}) => fetch(`${proxy.url}${path}`, init);

  it("passes everything through and records each request", async () => {
    const res = await get(blobPath, { headers: { authorization: "Basic eDp5" } });
    const body = Buffer.from(await res.arrayBuffer());
    expect(sha256(body)).toBe(blobDigest);
    await get("/v2/");
    expect(proxy.requests.map((r) => [r.method, r.path, r.status, r.authorization])).toEqual([
      ["GET", blobPath, 200, true],
      ["GET", "/v2/", 200, false],
    ]);
    expect(proxy.requests[0]).toMatchObject({ bytesOut: image.layers[0]!.size, done: true, faults: [] });
  });

  it("streams a large blob through in both directions", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "toci-proxy-large-"));
    try {
      const large = await writeLargeLayerImage(dir, { size: 48 * 1024 * 1024, seed: "proxy-large" });
      await pushFixture(large, { url: proxy.url, repo: "px/large", tag: "v1" });
      const layer = large.layers[0]!;
      const put = proxy.requests.find((r) => r.method === "PUT" && r.path.includes(layer.digest.slice(7)));
      expect(put).toMatchObject({ bytesIn: layer.size, status: 201 });
      const res = await get(`/v2/px/large/blobs/${layer.digest}`);
      const hash = createHash("sha256");
      let size = 0;
      const reader = res.body!.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        hash.update(r.value);
        size += r.value.length;
      }
      expect(size).toBe(layer.size);
      expect(`sha256:${hash.digest("hex")}`).toBe(layer.digest);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps Host so upload Locations point back at the proxy, and counts request bytes", async () => {
    const post = await get("/v2/px/up/blobs/uploads/", { method: "POST" });
    expect(post.status).toBe(202);
    const location = new URL(post.headers.get("location")!, proxy.url);
    expect(location.host).toBe(proxy.host);
    const data = seededBytes("up", 10_000);
    location.searchParams.set("digest", sha256(data));
    const put = await fetch(location, { method: "PUT", body: data });
    expect(put.status).toBe(201);
    expect(proxy.requests[1]).toMatchObject({ method: "PUT", bytesIn: 10_000, status: 201 });
  });

  it("cutAfter: drops the connection after N body bytes", async () => {
    const rule = proxy.on({ method: "GET", path: /\/blobs\//, times: 1 }, cutAfter(1_000_000));
    const res = await get(blobPath);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(image.layers[0]!.size));
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect(proxy.requests[0]).toMatchObject({ bytesOut: 1_000_000, done: false, faults: ["cut after 1000000"] });
    expect(rule.hits).toBe(1);
    const again = await get(blobPath, { headers: { range: "bytes=1000000-" } });
    expect(again.status).toBe(206);
    expect((await again.arrayBuffer()).byteLength).toBe(image.layers[0]!.size - 1_000_000);
  });

  it("cutAfter with lingerMs: sends the bytes, keeps the connection open and silent a while, then drops it", async () => {
    proxy.on({ method: "GET", path: /\/blobs\//, times: 1 }, cutAfter(1_000_000, { lingerMs: 2_000 }));
    const reader = (await get(blobPath)).body!.getReader();
    let received = 0;
    while (received < 1_000_000) {
      const read = await reader.read();
      if (read.done) break;
      received += read.value.byteLength;
    }
    expect(received).toBe(1_000_000);
    // Every byte is in; the connection is still open, so the next read waits (for the cut, 2 s on).
    const next = reader.read();
    const waited = await Promise.race([
      next.then(
        () => "read",
        () => "failed",
      ),
      sleep(200).then(() => "waiting"),
    ]);
    expect(waited).toBe("waiting");
    await expect(next).rejects.toThrow();
    expect(proxy.requests[0]).toMatchObject({ bytesOut: 1_000_000, done: false });
  });

  it("429 with Retry-After in seconds, N times, then the real answer", async () => {
    proxy.on({ path: "/manifests/", times: 2 }, tooManyRequests(3));
    for (let i = 0; i < 2; i++) {
      const res = await get("/v2/px/img/manifests/v1", { headers: { accept: MANIFEST_ACCEPT } });
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("3");
      expect(await res.json()).toEqual({ errors: [{ code: "TOOMANYREQUESTS", message: "too many requests" }] });
    }
    const ok = await get("/v2/px/img/manifests/v1", { headers: { accept: MANIFEST_ACCEPT } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("docker-content-digest")).toBe(image.root.digest);
  });

  it("503 with Retry-After as an HTTP date", async () => {
    const when = new Date(Date.now() + 5000);
    proxy.on({ method: "HEAD", times: 1 }, unavailable(when));
    const res = await get(blobPath, { method: "HEAD" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe(when.toUTCString());
    expect((await get(blobPath, { method: "HEAD" })).status).toBe(200);
  });

  it("416 on PATCH drops the chunk; the session is still usable", async () => {
    proxy.on({ method: "PATCH", times: 1 }, rangeNotSatisfiable());
    const post = await get("/v2/px/chunked/blobs/uploads/", { method: "POST" });
    const location = post.headers.get("location")!;
    const chunk = seededBytes("chunk", 1000);
    const headers = { "content-type": "application/octet-stream", "content-range": "0-999" };
    const refused = await fetch(location, { method: "PATCH", headers, body: chunk });
    expect(refused.status).toBe(416);
    const accepted = await fetch(location, { method: "PATCH", headers, body: chunk });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get("range")).toBe("0-999");
  });

  it("strips Docker-Content-Digest", async () => {
    proxy.on({ path: /\/manifests\// }, stripDigest());
    const res = await get("/v2/px/img/manifests/v1", { method: "HEAD", headers: { accept: OCI_MANIFEST } });
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-content-digest")).toBeNull();
    proxy.clearRules();
    const plain = await get("/v2/px/img/manifests/v1", { method: "HEAD", headers: { accept: OCI_MANIFEST } });
    expect(plain.headers.get("docker-content-digest")).toBe(image.root.digest);
  });

  it("413 above a request size, declared or streamed", async () => {
    proxy.on({ method: ["PUT", "PATCH"] }, limitRequestSize(4 * 1024 * 1024));
    const post = await get("/v2/px/big/blobs/uploads/", { method: "POST" });
    const location = post.headers.get("location")!;
    const big = seededBytes("big", 5 * 1024 * 1024);
    const declared = await fetch(location, {
      method: "PATCH",
      headers: { "content-type": "application/octet-stream" },
      body: big,
    });
    expect(declared.status).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = http.request(location, { method: "PATCH", headers: { "content-type": "application/octet-stream" } });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 5; i++) req.write(big.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(proxy.requests.filter((r) => r.status === 413)).toHaveLength(2);
    const fresh = (await get("/v2/px/big/blobs/uploads/", { method: "POST" })).headers.get("location")!;
    const small = await fetch(fresh, {
      method: "PATCH",
      headers: { "content-type": "application/octet-stream" },
      body: big.subarray(0, 1000),
    });
    expect(small.status).toBe(202);
  });

  it("redirects blob GETs to another origin and records whether Authorization arrived there", async () => {
    proxy.on({ method: "GET", path: /\/blobs\/sha256:/ }, redirectBlob());
    const res = await get(blobPath, { headers: { authorization: "Bearer secret" }, redirect: "manual" });
    expect(res.status).toBe(307);
    const location = new URL(res.headers.get("location")!);
    expect(location.hostname).toBe("127.0.0.1");
    expect(location.port).not.toBe(String(new URL(proxy.url).port));
    const followed = await fetch(location);
    expect(sha256(Buffer.from(await followed.arrayBuffer()))).toBe(blobDigest);
    const leaked = await fetch(location, { headers: { authorization: "Bearer secret", range: "bytes=0-9" } });
    expect(leaked.status).toBe(206);
    expect(proxy.blobOrigin!.requests.map((r) => [r.authorization, r.status])).toEqual([
      [false, 200],
      [true, 206],
    ]);
    // Node's fetch follows it and drops the credential on the cross-origin hop.
    const auto = await get(blobPath, { headers: { authorization: "Bearer secret" } });
    expect(auto.status).toBe(200);
    await auto.arrayBuffer();
    expect(proxy.blobOrigin!.requests.at(-1)!.authorization).toBe(false);
  });

  it("redirect origin can refuse credentials like a presigned URL", async () => {
    proxy.on({ method: "GET", path: /\/blobs\// }, redirectBlob({ status: 302, rejectAuthorization: true }));
    const res = await get(blobPath, { redirect: "manual" });
    expect(res.status).toBe(302);
    const location = res.headers.get("location")!;
    expect((await fetch(location, { headers: { authorization: "Basic eDp5" } })).status).toBe(400);
    expect((await fetch(location, { method: "HEAD" })).status).toBe(200);
  });

  it("paginates tags/list and _catalog with Link", async () => {
    for (const tag of ["t3", "t1", "latest", "t2", "a0"]) {
      await pushFixture(image, { url: registry.url, repo: "px/tags", tag });
    }
    proxy.on({ method: "GET", path: /\/(tags\/list|_catalog)/ }, paginate({ pageSize: 2 }));
    const seen: string[] = [];
    let next: string | undefined = "/v2/px/tags/tags/list";
    const links: string[] = [];
    while (next) {
      const res = await get(next);
      expect(res.status).toBe(200);
      seen.push(...((await res.json()) as { tags: string[] }).tags);
      const link = res.headers.get("link");
      if (link) links.push(link);
      next = link ? /<([^>]+)>/.exec(link)![1] : undefined;
    }
    expect(seen).toEqual(["a0", "latest", "t1", "t2", "t3"]);
    expect(links[0]).toBe('</v2/px/tags/tags/list?n=2&last=latest>; rel="next"');
    const n1 = await get("/v2/px/tags/tags/list?n=1&last=t1");
    expect(await n1.json()).toEqual({ name: "px/tags", tags: ["t2"] });
    expect(n1.headers.get("link")).toBe('</v2/px/tags/tags/list?n=1&last=t2>; rel="next"');
    const catalog = await get("/v2/_catalog");
    const { repositories } = (await catalog.json()) as { repositories: string[] };
    expect(repositories).toHaveLength(2);
    expect([...repositories].sort()).toEqual(repositories);
    expect(catalog.headers.get("link")).toMatch(/^<\/v2\/_catalog\?n=2&last=.+>; rel="next"$/);
    expect((await get("/v2/no/such/tags/list")).status).toBe(404);
  });

  it("adds OCI-Chunk-Min-Length to upload POSTs", async () => {
    proxy.on({ method: "POST", path: /\/blobs\/uploads\/$/ }, chunkMinLength(5 * 1024 * 1024));
    const res = await get("/v2/px/min/blobs/uploads/", { method: "POST" });
    expect(res.status).toBe(202);
    expect(res.headers.get("oci-chunk-min-length")).toBe(String(5 * 1024 * 1024));
  });

  it("makes upload Locations relative and rewrites any head", async () => {
    proxy.on({ method: "POST" }, relativeLocation());
    proxy.on(
      { method: "HEAD", path: "/manifests/" },
      rewriteHead("charset", (head) => {
        head.headers["content-type"] = `${head.headers["content-type"]}; charset=utf-8`;
      }),
    );
    const post = await get("/v2/px/rel/blobs/uploads/", { method: "POST" });
    expect(post.headers.get("location")).toMatch(/^\/v2\/px\/rel\/blobs\/uploads\/[^?]+\?_state=/);
    const head = await get("/v2/px/img/manifests/v1", { method: "HEAD", headers: { accept: OCI_MANIFEST } });
    expect(head.headers.get("content-type")).toBe(`${OCI_MANIFEST}; charset=utf-8`);
  });

  it("emulates the referrers API with OCI-Subject, filters and Link pages", async () => {
    const base = { url: proxy.url, repo: "px/img" };
    expect((await get(`/v2/px/img/referrers/${image.root.digest}`)).status).toBe(404); // 2.8.2: no API
    proxy.referrers.enabled = true;
    proxy.referrers.options = { pageSize: 1 };
    const sig = artifact({ subject: image.root, artifactType: "application/vnd.example.sig" });
    const sbom = artifact({ subject: image.root, artifactType: "application/spdx+json", annotations: { a: "b" } });
    await pushFixture(sig, base);
    await pushFixture(sbom, base);
    const put = proxy.requests.filter((r) => r.method === "PUT" && r.path.includes("/manifests/"));
    expect(put).toHaveLength(2);
    const check = await fetch(`${proxy.url}/v2/px/img/manifests/${sig.root.digest}`, {
      method: "PUT",
      headers: { "content-type": OCI_MANIFEST },
      body: new Uint8Array(sig.blobs.at(-1)!.bytes!),
    });
    expect(check.headers.get("oci-subject")).toBe(image.root.digest);
    const entries: unknown[] = [];
    let next: string | undefined = `/v2/px/img/referrers/${image.root.digest}`;
    while (next) {
      const res = await get(next);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(OCI_INDEX);
      const index = (await res.json()) as { mediaType: string; manifests: unknown[] };
      expect(index.mediaType).toBe(OCI_INDEX);
      entries.push(...index.manifests);
      const link = res.headers.get("link");
      next = link ? /<([^>]+)>/.exec(link)![1] : undefined;
    }
    expect(entries).toHaveLength(2);
    expect(entries).toContainEqual({ ...sbom.root });
    const filtered = await get(
      `/v2/px/img/referrers/${image.root.digest}?artifactType=${encodeURIComponent("application/spdx+json")}`,
    );
    expect(filtered.headers.get("oci-filters-applied")).toBe("artifactType");
    expect(((await filtered.json()) as { manifests: unknown[] }).manifests).toEqual([sbom.root]);
    const none = await get(`/v2/px/img/referrers/sha256:${"1".repeat(64)}`);
    expect(await none.json()).toEqual({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
    const del = await get(`/v2/px/img/manifests/${sig.root.digest}`, { method: "DELETE" });
    expect(del.status).toBe(202);
    expect(proxy.referrers.list("px/img", image.root.digest).map((d) => d.digest)).toEqual([sbom.root.digest]);
  });

  it("corrupts one byte of a body, keeping its length", async () => {
    proxy.on({ method: "GET", path: blobPath, times: 1 }, corrupt(1234));
    const body = Buffer.from(await (await get(blobPath)).arrayBuffer());
    expect(body.length).toBe(image.layers[0]!.size);
    expect(sha256(body)).not.toBe(blobDigest);
    const good = Buffer.from(await (await get(blobPath)).arrayBuffer());
    expect(body[1234]).toBe(good[1234]! ^ 0xff);
    body[1234] = good[1234]!;
    expect(body.equals(good)).toBe(true);
  });

  it("delays responses", async () => {
    proxy.on({ path: "/v2/", times: 1 }, delay(300));
    const started = Date.now();
    expect((await get("/v2/")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("hangs up, answers anything, and honours skip/times", async () => {
    proxy.on({ path: "/v2/", times: 1 }, hangUp());
    await expect(get("/v2/")).rejects.toThrow();
    const rule = proxy.on({ path: "/v2/", skip: 1, times: 1 }, respond(500, { body: "boom" }));
    expect((await get("/v2/")).status).toBe(200);
    const second = await get("/v2/");
    expect(second.status).toBe(500);
    expect(await second.text()).toBe("boom");
    expect((await get("/v2/")).status).toBe(200);
    expect([rule.seen, rule.hits]).toEqual([3, 1]);
    rule.remove();
  });
});
