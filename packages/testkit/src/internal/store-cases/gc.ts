import { DOCKER_MANIFEST_LIST, OCI_INDEX, type Store } from "@toci/spec-types";
import { beforeEach, describe, expect, it } from "vitest";
import type { StoreContext } from "./context.js";
import { describeBytes, encoder, fetchBytes, put, putImage, putJson, putReferrer } from "./helpers.js";

/** The suite's "remove and gc" cases. */
export function removeAndGc(ctx: StoreContext): void {
  describe("remove and gc", () => {
    removal(ctx);
    sweeps(ctx);
  });
}

function removal({ current }: StoreContext): void {
  let store: Store;
  beforeEach(() => {
    ({ store } = current());
  });
  it("removes a blob and the roots that point at it, and says whether it did", async () => {
    const a = await putImage(store, "a");
    await store.tag(a.manifest, "v1");
    await store.tag(a.manifest, "v2");
    expect(await store.remove(a.manifest)).toBe(true);
    expect(await store.exists(a.manifest)).toBe(false);
    expect(await store.list()).toEqual([]);
    expect(await store.exists(a.config)).toBe(true); // children are left for gc
    expect(await store.remove(a.manifest)).toBe(false);
  });

  it("keeps everything reachable (nested indexes, Docker lists, referrers) and sweeps the rest", async () => {
    // Root 1: OCI index -> OCI index -> OCI manifest; the inner index also lists a Docker manifest.
    const oci = await putImage(store, "oci");
    const dockerInner = await putImage(store, "docker-inner", true);
    const inner = await putJson(store, OCI_INDEX, {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [oci.manifest, dockerInner.manifest],
    });
    const outer = await putJson(store, OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [inner] });
    // Root 2: a Docker manifest list -> Docker manifest.
    const docker = await putImage(store, "docker", true);
    const list = await putJson(store, DOCKER_MANIFEST_LIST, {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST_LIST,
      manifests: [docker.manifest],
    });
    // A signature of the OCI manifest, and a signature of that signature: kept through `subject`.
    const sig = await putReferrer(store, oci.manifest, "sig");
    const sigOfSig = await putReferrer(store, sig.manifest, "sig-of-sig");
    // Garbage: an untagged image, its referrer, a loose blob, and a closed partial.
    const orphan = await putImage(store, "orphan");
    const orphanSig = await putReferrer(store, orphan.manifest, "orphan-sig");
    const loose = await put(store, encoder.encode("loose"));
    const partialContent = encoder.encode("partial content, never finished");
    const partial = await describeBytes(partialContent);
    const writer = await store.ingest(partial);
    await writer.write(partialContent.subarray(0, 10));
    await writer.close();

    await store.tag(outer, "nested");
    await store.tag(list, "localhost:5000/docker/app:v1");

    const removed = await store.gc();

    const kept = [outer, inner, list, sig.manifest, sig.layer, sigOfSig.manifest, sigOfSig.layer];
    for (const img of [oci, dockerInner, docker]) kept.push(img.manifest, img.config, img.layer);
    for (const d of kept) expect(await store.exists(d), `kept ${d.mediaType} ${d.digest}`).toBe(true);
    const swept = [orphan.manifest, orphan.config, orphan.layer, orphanSig.manifest, orphanSig.layer, loose];
    for (const d of swept) expect(await store.exists(d), `swept ${d.digest}`).toBe(false);
    expect(removed).toEqual(expect.arrayContaining(swept.map((d) => d.digest)));
    for (const d of kept) expect(removed).not.toContain(d.digest);
    const again = await store.ingest(partial);
    expect(again.offset).toBe(0); // the abandoned partial was swept
    await again.abort();
    expect(await store.gc()).toEqual([]);
    expect((await store.list()).length).toBe(2);
  });
}

function sweeps({ current }: StoreContext): void {
  let store: Store;
  beforeEach(() => {
    ({ store } = current());
  });
  it("sweeps an image once its last root is untagged", async () => {
    const a = await putImage(store, "a");
    await store.tag(a.manifest, "v1");
    expect(await store.gc()).toEqual([]);
    await store.untag("v1");
    const removed = await store.gc();
    expect(removed.sort()).toEqual([a.manifest.digest, a.config.digest, a.layer.digest].sort());
    expect(await store.exists(a.layer)).toBe(false);
  });

  it("does not sweep the partial of a writer that is still writing", async () => {
    const content = encoder.encode("in flight");
    const d = await describeBytes(content);
    const writer = await store.ingest(d);
    await writer.write(content.subarray(0, 3));
    await store.gc();
    await writer.write(content.subarray(3));
    await writer.commit();
    expect(await fetchBytes(store, d)).toEqual(content);
  });
}
