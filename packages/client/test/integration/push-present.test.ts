// A push or copy asks the destination for its manifests before any blob: what is there is not sent, nor even asked
// about blob by blob (distribution 2.8.2 through the fault proxy, which records every request).
import { type Descriptor, type Store, writeBlob } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { type Fixture, multiArchIndex, ociImage, pushFixture } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { fileFaultProxy } from "./fault-proxy.js";
import { collect, newClient, registries, succeeded, uniqueRepo } from "./helpers.js";

const proxy = fileFaultProxy("plain");

async function stored(fixture: Fixture): Promise<Store> {
  const store = memoryStore();
  for (const b of fixture.blobs) await writeBlob(store, b.descriptor, b.bytes!);
  return store;
}

const requests = () => proxy.requests.map((q) => `${q.method} ${q.path}`);
const blobRequests = () => requests().filter((r) => r.includes("/blobs/"));
const bytesOf = (fixture: Fixture) => fixture.blobs.reduce((n, b) => n + b.descriptor.size, 0);

/** Pushes the store's root through the proxy; returns the events and each blob's last `onBlob` report. */
async function push(store: Store, repo: string, root: Descriptor, tag?: string) {
  const { client } = newClient(store);
  const reported = new Map<string, number>();
  const onBlob = (blob: Descriptor, bytes: number) => reported.set(blob.digest, bytes);
  proxy.clearRequests();
  const events = await collect(client.registry(proxy.url).repo(repo).push(root, { tag, onBlob }));
  expect(succeeded(events)).toBe(true);
  return { events, reported };
}

describe("what the destination has is not sent", () => {
  it("a re-push under the same tag is one HEAD: no blob request, every blob reported done", async () => {
    const fixture = ociImage({ seed: "present-same", layerSizes: Array.from({ length: 20 }, () => 4096) });
    const repo = uniqueRepo("present");
    await pushFixture(fixture, { url: registries().plain.url, repo, tag: "v1" });
    const { events, reported } = await push(await stored(fixture), repo, fixture.root, "v1");
    expect(requests()).toEqual([`HEAD /v2/${repo}/manifests/v1`]);
    expect(events.at(-1)).toMatchObject({ bytes: bytesOf(fixture), transferredBytes: 0 });
    // The progress bars of the skipped blobs end full, as for blobs a HEAD found.
    for (const layer of fixture.layers) expect(reported.get(layer.digest)).toBe(layer.size);
  });

  it("a manifest present under another tag gets the new tag only: no blob request", async () => {
    const fixture = ociImage({ seed: "present-other", layerSizes: [1000, 2000, 3000] });
    const repo = uniqueRepo("present");
    await pushFixture(fixture, { url: registries().plain.url, repo, tag: "v1" });
    const { events } = await push(await stored(fixture), repo, fixture.root, "v2");
    expect(requests()).toEqual([
      `HEAD /v2/${repo}/manifests/v2`,
      `HEAD /v2/${repo}/manifests/${fixture.root.digest}`,
      `PUT /v2/${repo}/manifests/v2`,
    ]);
    expect(events.at(-1)).toMatchObject({ transferredBytes: fixture.root.size });
    const { client } = newClient();
    expect((await client.registry(proxy.url).repo(repo).resolve("v2"))?.digest).toBe(fixture.root.digest);
  });

  it("a tag naming other content is moved: the manifest present by digest, only the tag is PUT", async () => {
    const old = ociImage({ seed: "present-moved-old", layerSizes: [100] });
    const fixture = ociImage({ seed: "present-moved", layerSizes: [1000] });
    const repo = uniqueRepo("present");
    await pushFixture(old, { url: registries().plain.url, repo, tag: "v1" });
    await pushFixture(fixture, { url: registries().plain.url, repo });
    await push(await stored(fixture), repo, fixture.root, "v1");
    expect(blobRequests()).toEqual([]);
    const { client } = newClient();
    expect((await client.registry(proxy.url).repo(repo).resolve("v1"))?.digest).toBe(fixture.root.digest);
  });

  it("an index whose child is present: that child's blobs are neither sent nor asked about", async () => {
    const fixture = multiArchIndex({ seed: "present-child" });
    const first = fixture.images[0]!;
    const second = fixture.images[1]!;
    const repo = uniqueRepo("present");
    await pushFixture(first, { url: registries().plain.url, repo });
    const { events, reported } = await push(await stored(fixture), repo, fixture.root, "v1");
    const firstOnly = first.layers.filter((l) => !second.layers.some((s) => s.digest === l.digest));
    expect(firstOnly.length).toBeGreaterThan(0);
    for (const layer of firstOnly) {
      expect(blobRequests().filter((r) => r.includes(layer.digest))).toEqual([]);
      expect(reported.get(layer.digest)).toBe(layer.size);
    }
    // The other child's layers were uploaded, and the index PUT by tag; the present child was not PUT again.
    for (const layer of second.layers) expect(blobRequests()).toContain(`HEAD /v2/${repo}/blobs/${layer.digest}`);
    const puts = requests().filter((r) => r.startsWith("PUT") && r.includes("/manifests/"));
    expect(puts).toEqual([`PUT /v2/${repo}/manifests/${second.root.digest}`, `PUT /v2/${repo}/manifests/v1`]);
    expect(events.at(-1)).toMatchObject({ bytes: bytesOf(fixture) });
    const { client } = newClient();
    expect((await client.registry(proxy.url).repo(repo).resolve("v1"))?.digest).toBe(fixture.root.digest);
  });

  it("a copy to where the image is already makes no blob request", async () => {
    const fixture = multiArchIndex({ seed: "present-copy" });
    const src = uniqueRepo("present-src");
    const dst = uniqueRepo("present-dst");
    await pushFixture(fixture, { url: registries().plain.url, repo: src, tag: "v1" });
    await pushFixture(fixture, { url: registries().plain.url, repo: dst, tag: "v1" });
    const { client } = newClient();
    const registry = client.registry(proxy.url);
    proxy.clearRequests();
    const events = await collect(client.copy(registry.repo(src), "v1", registry.repo(dst)));
    expect(succeeded(events)).toBe(true);
    expect(events.at(-1)).toMatchObject({ transferredBytes: 0 });
    expect(requests().filter((r) => r.includes(`/v2/${dst}/`))).toEqual([`HEAD /v2/${dst}/manifests/v1`]);
    expect(blobRequests()).toEqual([]);
  });
});
