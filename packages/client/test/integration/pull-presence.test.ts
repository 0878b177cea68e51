// A pull asks a store that can tell many blobs at once (spec-types BatchBlobChecker) about every blob of its graph in
// one call, instead of exists() per blob, and downloads only those it answered absent.
import { type Descriptor, type Store, writeBlob } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { manyLayersImage, pushFixture } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { collect, newClient, registries, succeeded, uniqueRepo } from "./helpers.js";

/** A memory store given existsAll (answered by exists() of each), recording what was asked of both verbs. */
function batchCheckingStore(inner: Store): { store: Store; batches: string[][]; single: string[]; ingested: string[] } {
  const batches: string[][] = [];
  const single: string[] = [];
  const ingested: string[] = [];
  const store = new Proxy(inner, {
    get(target, key) {
      if (key === "existsAll") {
        return async (descriptors: readonly Descriptor[]) => {
          batches.push(descriptors.map((d) => d.digest));
          return Promise.all(descriptors.map((d) => target.exists(d)));
        };
      }
      if (key === "ingest") {
        return (descriptor: Descriptor, options?: Parameters<Store["ingest"]>[1]) => {
          ingested.push(descriptor.digest);
          return target.ingest(descriptor, options);
        };
      }
      if (key === "exists") {
        return async (descriptor: Descriptor) => {
          single.push(descriptor.digest);
          return target.exists(descriptor);
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store, batches, single, ingested };
}

describe("presence of a pull's blobs", () => {
  it("asks a store that tells many blobs at once about the whole graph in one call, and skips what it holds", async () => {
    const { plain } = registries();
    const fixture = manyLayersImage({ seed: "pull-presence", count: 12, layerSize: 1024 });
    const repo = uniqueRepo("presence");
    await pushFixture(fixture, { url: plain.url, repo, tag: "v1" });
    const inner = memoryStore();
    const blobs = fixture.blobs.map((b) => b.descriptor).filter((d) => d.digest !== fixture.root.digest);
    // Two layers already held: not downloaded again.
    const held = fixture.blobs.slice(0, 2);
    for (const blob of held) await writeBlob(inner, blob.descriptor, blob.bytes!);
    const { store, batches, single, ingested } = batchCheckingStore(inner);
    const { client } = newClient(store);
    expect(succeeded(await collect(client.registry(plain.url).repo(repo).pull("v1")))).toBe(true);
    expect(batches).toHaveLength(1);
    expect([...batches[0]!].sort()).toEqual(blobs.map((d) => d.digest).sort());
    expect(single.filter((digest) => blobs.some((d) => d.digest === digest))).toEqual([]);
    for (const blob of held) expect(ingested).not.toContain(blob.descriptor.digest);
    for (const blob of blobs) expect(await inner.exists(blob)).toBe(true);
  });
});
