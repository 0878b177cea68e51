// A pull leases every blob of its graph in one call before it looks for any (spec-types BlobLeaser), so that a store
// shared with other processes records one lease per pull instead of one per blob, and gc elsewhere still keeps every
// blob in flight until the root is named.
import type { Digest, Store } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { manyLayersImage, pushFixture } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { collect, newClient, registries, succeeded, uniqueRepo } from "./helpers.js";

/** A memory store that can lease, recording the calls of both verbs in order. */
function leasingStore(): { store: Store; calls: string[]; leased: Digest[][] } {
  const inner = memoryStore();
  const calls: string[] = [];
  const leased: Digest[][] = [];
  const store = new Proxy(inner, {
    get(target, key) {
      if (key === "leaseBlobs") {
        return async (digests: readonly Digest[]) => {
          calls.push("lease");
          leased.push([...digests]);
        };
      }
      const value = Reflect.get(target, key);
      if (key === "exists") {
        return async (descriptor: { digest: string }) => {
          calls.push(`exists ${descriptor.digest}`);
          return (value as Store["exists"]).call(target, descriptor as never);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store, calls, leased };
}

describe("leases of a pull", () => {
  it("leases every blob of the graph in one call, before any blob is looked for", async () => {
    const { plain } = registries();
    const fixture = manyLayersImage({ seed: "pull-leases", count: 12, layerSize: 1024 });
    const repo = uniqueRepo("leases");
    await pushFixture(fixture, { url: plain.url, repo, tag: "v1" });
    const { store, calls, leased } = leasingStore();
    const { client } = newClient(store);
    expect(succeeded(await collect(client.registry(plain.url).repo(repo).pull("v1")))).toBe(true);

    expect(leased).toHaveLength(1);
    const blobs = fixture.blobs.map((b) => b.descriptor).filter((d) => d.digest !== fixture.root.digest);
    expect([...(leased[0] ?? [])].sort()).toEqual(blobs.map((d) => d.digest).sort());
    const first = calls.findIndex((c) => blobs.some((d) => c === `exists ${d.digest}`));
    expect(first).toBeGreaterThan(calls.indexOf("lease"));
  });
});
