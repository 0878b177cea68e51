import {
  ANNOTATION_CONTAINERD_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  DOCKER_MANIFEST,
  OCI_MANIFEST,
  type Store,
} from "@toci/spec-types";
import { beforeEach, describe, expect, it } from "vitest";
import type { StoreContext } from "./context.js";
import { expectCode, type Image, putImage } from "./helpers.js";

/** The suite's "roots" cases. */
export function roots(ctx: StoreContext): void {
  describe("roots", () => {
    naming(ctx);
    updates(ctx);
  });
}

function naming({ current }: StoreContext): void {
  let store: Store;
  beforeEach(() => {
    ({ store } = current());
  });
  it("tags, lists, resolves by tag and untags", async () => {
    const { manifest } = await putImage(store, "a");
    expect(await store.list()).toEqual([]);
    await store.tag(manifest, "v1");
    const roots = await store.list();
    expect(roots).toHaveLength(1);
    expect(roots[0]).toMatchObject({ digest: manifest.digest, size: manifest.size, mediaType: OCI_MANIFEST });
    expect(roots[0]?.annotations?.[ANNOTATION_REF_NAME]).toBe("v1");
    expect((await store.resolve("v1"))?.digest).toBe(manifest.digest);
    expect(await store.untag("v1")).toBe(true);
    expect(await store.untag("v1")).toBe(false);
    expect(await store.resolve("v1")).toBeUndefined();
    expect(await store.list()).toEqual([]);
    expect(await store.exists(manifest)).toBe(true); // content stays until gc
  });

  it("records and resolves a full reference, and its tag", async () => {
    const { manifest } = await putImage(store, "a");
    await store.tag(manifest, "localhost:5000/team/app:v2");
    const [root] = await store.list();
    expect(root?.annotations?.[ANNOTATION_REF_NAME]).toBe("v2");
    expect(root?.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME]).toBe("localhost:5000/team/app:v2");
    expect((await store.resolve("localhost:5000/team/app:v2"))?.digest).toBe(manifest.digest);
    expect((await store.resolve("v2"))?.digest).toBe(manifest.digest);
    expect(await store.resolve("localhost:5000/other/app:v2")).toBeUndefined();
  });

  it("resolves by digest and by a reference with a digest, tagged or not", async () => {
    const tagged = await putImage(store, "tagged");
    const untagged = await putImage(store, "untagged", true);
    await store.tag(tagged.manifest, "v1");
    expect((await store.resolve(tagged.manifest.digest))?.annotations?.[ANNOTATION_REF_NAME]).toBe("v1");
    expect((await store.resolve(`localhost:5000/app@${tagged.manifest.digest}`))?.digest).toBe(tagged.manifest.digest);
    // A stored manifest that no root names resolves to a descriptor of its own bytes.
    expect(await store.resolve(untagged.manifest.digest)).toMatchObject({
      digest: untagged.manifest.digest,
      size: untagged.manifest.size,
      mediaType: DOCKER_MANIFEST,
    });
    expect(await store.resolve(untagged.layer.digest)).toBeUndefined(); // a layer is not a manifest
    expect(await store.resolve(`sha256:${"0".repeat(64)}`)).toBeUndefined();
  });

  it("resolves with a custom predicate, in list order", async () => {
    const a = await putImage(store, "a");
    const b = await putImage(store, "b");
    await store.tag({ ...a.manifest, platform: { os: "linux", architecture: "amd64" } }, "amd64");
    await store.tag({ ...b.manifest, platform: { os: "linux", architecture: "arm64" } }, "arm64");
    const found = await store.resolve((root) => root.platform?.architecture === "arm64");
    expect(found?.digest).toBe(b.manifest.digest);
    expect(await store.resolve(() => false)).toBeUndefined();
  });
}

function updates({ current }: StoreContext): void {
  let store: Store;
  beforeEach(() => {
    ({ store } = current());
  });
  it("replaces a root on re-tag and keeps other tags of the same content", async () => {
    const a = await putImage(store, "a");
    const b = await putImage(store, "b");
    await store.tag(a.manifest, "v1");
    await store.tag(a.manifest, "stable");
    await store.tag(b.manifest, "v1");
    const roots = await store.list();
    expect(roots.map((r) => r.annotations?.[ANNOTATION_REF_NAME]).sort()).toEqual(["stable", "v1"]);
    expect((await store.resolve("v1"))?.digest).toBe(b.manifest.digest);
    expect((await store.resolve("stable"))?.digest).toBe(a.manifest.digest);
  });

  it("refuses to name a root with a digest", async () => {
    const { manifest } = await putImage(store, "a");
    await expectCode(store.tag(manifest, manifest.digest), "INVALID_ARGUMENT");
    expect(await store.list()).toEqual([]);
  });

  it("loses no update when 50 tags are written at once", async () => {
    const images = await Promise.all([0, 1, 2, 3, 4].map((i) => putImage(store, `img${i}`)));
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.tag((images[i % 5] as Image).manifest, `t${i}`)));
    const tags = (await store.list()).map((r) => r.annotations?.[ANNOTATION_REF_NAME]).sort();
    expect(tags).toEqual(Array.from({ length: 50 }, (_, i) => `t${i}`).sort());
    for (let i = 0; i < 50; i++) {
      expect((await store.resolve(`t${i}`))?.digest).toBe((images[i % 5] as Image).manifest.digest);
    }
  });

  it("keeps exactly one root when one tag is updated concurrently", async () => {
    const images = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => putImage(store, `img${i}`)));
    await Promise.all(images.map((image) => store.tag(image.manifest, "latest")));
    const roots = await store.list();
    expect(roots).toHaveLength(1);
    expect(images.map((i) => i.manifest.digest)).toContain(roots[0]?.digest);
  });
}
