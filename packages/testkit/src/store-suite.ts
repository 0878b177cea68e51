// The one conformance suite every Store runs (docs/architecture.md §2, §4 item 4): memory, fs on disk, fs on
// memfs, IndexedDB under fake-indexeddb and IndexedDB in Chromium all pass the same cases. Capability flags skip
// cases a set-up cannot express (corrupting stored bytes, reopening); they never fork the suite.
// Runtime-neutral on purpose (no node: imports): it also runs in a real browser under vitest browser mode.
import {
  ANNOTATION_CONTAINERD_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  createHasher,
  type Descriptor,
  type Digest,
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  digestOf,
  type Ingest,
  isOciError,
  isSourceRecorder,
  isUploadStateKeeper,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  OCTET_STREAM,
  readAll,
  type Store,
  writeBlob,
} from "@toci/spec-types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/** A store made for one test, with the hooks some cases need. */
export interface StoreUnderTest {
  store: Store;
  /** Opens the same storage again, as a restarted process or a reloaded page would. */
  reopen?: () => Promise<Store>;
  /** Changes one byte of the partial ingest the store keeps for `digest` (the partial must exist). */
  corruptPartial?: (digest: Digest) => Promise<void>;
  /** Changes one byte of the committed blob `digest`, behind the store's back. */
  corruptBlob?: (digest: Digest) => Promise<void>;
  /** Releases what the set-up made (temp dirs, databases). */
  dispose?: () => Promise<void>;
}

/**
 * A set-up for a store opened by name (a database, a directory): the first `open()` is the store under test,
 * `reopen` opens the same name again, and `dispose` closes every store opened, then calls `remove`.
 */
export async function reopenableStore(
  open: () => Promise<Store & { close(): Promise<void> }>,
  hooks: Pick<StoreUnderTest, "corruptPartial" | "corruptBlob"> & { remove: () => Promise<void> },
): Promise<StoreUnderTest> {
  const opened = [await open()];
  const { remove, ...corrupt } = hooks;
  return {
    store: opened[0] as Store,
    reopen: async () => {
      const again = await open();
      opened.push(again);
      return again;
    },
    ...corrupt,
    dispose: async () => {
      for (const store of opened) await store.close();
      await remove();
    },
  };
}

/** What a set-up can do; a case whose capability is off is skipped, and reported as skipped. */
export interface StoreCapabilities {
  /**
   * Size of the streamed round trip, in bytes; 0 skips it.
   * @default 67108864 (64 MiB)
   */
  largeBlobBytes?: number;
  /** The storage outlives the store object: partial ingests and roots survive {@link StoreUnderTest.reopen}. */
  reopen?: boolean;
  /** {@link StoreUnderTest.corruptPartial} is available. */
  corruptPartial?: boolean;
  /** {@link StoreUnderTest.corruptBlob} is available. */
  corruptBlob?: boolean;
  /** The store implements UploadStateKeeper. */
  uploadState?: boolean;
  /** The store implements SourceRecorder. */
  sources?: boolean;
  /**
   * Timeout of the large-blob case, in ms (IndexedDB under fake-indexeddb is slow).
   * @default 120000
   */
  largeBlobTimeout?: number;
}

/** Every capability but the large-blob settings: a store that persists by name and keeps every optional ability. */
export const PERSISTENT_STORE: StoreCapabilities = {
  reopen: true,
  corruptPartial: true,
  corruptBlob: true,
  uploadState: true,
  sources: true,
};

const MiB = 1024 * 1024;
const encoder = new TextEncoder();

/** Registers the conformance suite for one store set-up. `makeStore` is called once per case. */
export function describeStore(
  name: string,
  makeStore: () => Promise<StoreUnderTest>,
  capabilities: StoreCapabilities = {},
): void {
  const large = capabilities.largeBlobBytes ?? 64 * MiB;

  describe(`Store conformance: ${name}`, () => {
    let t: StoreUnderTest;
    let store: Store;
    beforeEach(async () => {
      t = await makeStore();
      store = t.store;
      for (const hook of ["reopen", "corruptPartial", "corruptBlob"] as const) {
        if (capabilities[hook] && !t[hook]) throw new Error(`capability ${hook} is on but the set-up has no hook`);
      }
    });
    afterEach(async () => {
      await t.dispose?.();
    });

    describe("blobs", () => {
      it("round-trips an empty blob", async () => {
        const d = await put(store, new Uint8Array(0));
        expect(d.size).toBe(0);
        expect(await store.exists(d)).toBe(true);
        expect(await fetchBytes(store, d)).toEqual(new Uint8Array(0));
      });

      it("round-trips a 1-byte blob", async () => {
        const d = await put(store, new Uint8Array([42]));
        expect(await store.exists(d)).toBe(true);
        expect(await fetchBytes(store, d)).toEqual(new Uint8Array([42]));
      });

      it.skipIf(large === 0)(
        `streams a ${large / MiB} MiB blob in and out without holding it whole`,
        async () => {
          const d = await describePattern(large, 7);
          const ingest = await store.ingest(d);
          expect(ingest.offset).toBe(0);
          for (const chunk of pattern(large, 7)) await ingest.write(chunk);
          expect(ingest.offset).toBe(large);
          await ingest.commit();
          expect(await store.exists(d)).toBe(true);
          // Hash what comes out, chunk by chunk: the store's stream is verified too, but the suite checks it.
          const hasher = await createHasher("sha256");
          let size = 0;
          const reader = (await store.fetch(d)).getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            size += value.byteLength;
            hasher.update(value);
          }
          expect(size).toBe(large);
          expect(hasher.digest()).toBe(d.digest);
        },
        capabilities.largeBlobTimeout ?? 120_000,
      );

      it("answers exists false and fetch NOT_FOUND for an absent blob", async () => {
        const d = await describeBytes(encoder.encode("never stored"));
        expect(await store.exists(d)).toBe(false);
        await expectCode(store.fetch(d), "NOT_FOUND");
      });

      it("reports the full size as the offset of an ingest of a present blob, and commit does nothing", async () => {
        const d = await put(store, encoder.encode("present"));
        const ingest = await store.ingest(d);
        expect(ingest.offset).toBe(d.size);
        await ingest.commit();
        expect(await fetchText(store, d)).toBe("present");
      });

      it("refuses a descriptor whose digest is not valid before writing anything", async () => {
        const bad = { mediaType: OCTET_STREAM, digest: "sha256:nothex" as Digest, size: 1 };
        await expect(store.ingest(bad)).rejects.toSatisfy(isOciError);
      });

      it("verifies a fetch against the descriptor it was given: a wrong size fails the stream", async () => {
        const d = await put(store, encoder.encode("twelve bytes"));
        await expectCode(readAll(await store.fetch({ ...d, size: d.size + 1 }), 1 * MiB), "SIZE_MISMATCH");
        await expectCode(readAll(await store.fetch({ ...d, size: d.size - 1 }), 1 * MiB), "SIZE_MISMATCH");
      });

      it("ends a fetch with ABORTED when its signal fires", async () => {
        const d = await put(store, encoder.encode("abort me"));
        const controller = new AbortController();
        const stream = await store.fetch(d, { signal: controller.signal });
        controller.abort();
        await expectCode(readAll(stream, 1 * MiB), "ABORTED");
      });

      it.skipIf(!capabilities.corruptBlob)("fails the fetch stream of a blob corrupted at rest", async () => {
        const d = await put(store, encoder.encode("the bytes as they were written"));
        await t.corruptBlob!(d.digest);
        await expectCode(readAll(await store.fetch(d), 1 * MiB), "DIGEST_MISMATCH");
      });
    });

    describe("verification", () => {
      it("refuses content that hashes to another digest, and nothing becomes visible", async () => {
        const d = await describeBytes(encoder.encode("the real content"));
        const ingest = await store.ingest(d);
        await ingest.write(encoder.encode("the fake content"));
        await expectCode(ingest.commit(), "DIGEST_MISMATCH");
        await expectNothing(store, d);
      });

      it("refuses more bytes than the size, on write, and nothing becomes visible", async () => {
        const d = await describeBytes(encoder.encode("12345"));
        const ingest = await store.ingest(d);
        await ingest.write(encoder.encode("123"));
        await expectCode(ingest.write(encoder.encode("456")), "SIZE_MISMATCH");
        await ingest.abort();
        await expectNothing(store, d);
      });

      it("refuses fewer bytes than the size, on commit, and nothing becomes visible", async () => {
        const d = await describeBytes(encoder.encode("12345"));
        const ingest = await store.ingest(d);
        await ingest.write(encoder.encode("1234"));
        await expectCode(ingest.commit(), "SIZE_MISMATCH");
        await expectNothing(store, d);
      });

      it("refuses a descriptor that lies about the size even when the digest matches", async () => {
        const real = await describeBytes(encoder.encode("abc"));
        const lying = { ...real, size: 4 };
        await expectCode(writeBlob(store, lying, encoder.encode("abc")), "SIZE_MISMATCH");
        await expectNothing(store, lying);
      });
    });

    describe("ingest lifecycle", () => {
      const content = encoder.encode("0123456789".repeat(1000));

      it("leaves nothing after abort", async () => {
        const d = await describeBytes(content);
        const ingest = await store.ingest(d);
        await ingest.write(content.subarray(0, 4000));
        await ingest.abort();
        await expectNothing(store, d);
        const again = await store.ingest(d);
        expect(again.offset).toBe(0);
        await again.abort();
      });

      it("keeps a closed partial and resumes from the offset it reports", async () => {
        const d = await describeBytes(content);
        const first = await store.ingest(d);
        await first.write(content.subarray(0, 3000));
        await first.write(content.subarray(3000, 4000));
        expect(first.offset).toBe(4000);
        await first.close();
        expect(await store.exists(d)).toBe(false);

        const second = await store.ingest(d);
        expect(second.offset).toBe(4000);
        await second.write(content.subarray(second.offset));
        await second.commit();
        expect(await fetchBytes(store, d)).toEqual(content);
      });

      it("starts over when asked not to resume", async () => {
        const d = await describeBytes(content);
        const first = await store.ingest(d);
        await first.write(content.subarray(0, 4000));
        await first.close();
        const second = await store.ingest(d, { resume: false });
        expect(second.offset).toBe(0);
        await second.write(content);
        await second.commit();
        expect(await fetchBytes(store, d)).toEqual(content);
      });

      it("keeps every byte written across many small writes", async () => {
        const d = await describeBytes(content);
        const ingest = await store.ingest(d);
        for (let at = 0; at < content.length; at += 7) await ingest.write(content.subarray(at, at + 7));
        await ingest.commit();
        expect(await fetchBytes(store, d)).toEqual(content);
      });

      it("copies what it is given: a caller may reuse its buffer after write resolves", async () => {
        const d = await describeBytes(content);
        const ingest = await store.ingest(d);
        const buffer = new Uint8Array(1000);
        for (let at = 0; at < content.length; at += 1000) {
          buffer.set(content.subarray(at, at + 1000));
          await ingest.write(buffer);
          buffer.fill(0xff);
        }
        await ingest.commit();
        expect(await fetchBytes(store, d)).toEqual(content);
      });

      it("is done with a large chunk once write resolves: the buffer reused for the next chunk", async () => {
        // Chunks of 288 KiB: past the size a store may write without copying (store-fs: 256 KiB).
        const chunk = 288 * 1024;
        const big = new Uint8Array(2 * chunk);
        for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 11)) & 0xff;
        const d = await describeBytes(big);
        const ingest = await store.ingest(d);
        const buffer = new Uint8Array(chunk);
        for (let at = 0; at < big.length; at += chunk) {
          buffer.set(big.subarray(at, at + chunk));
          await ingest.write(buffer);
          buffer.fill(0xff);
        }
        await ingest.commit();
        // Compared by digest: a deep comparison of half a megabyte element by element takes seconds.
        expect((await describeBytes(await fetchBytes(store, d))).digest).toBe(d.digest);
      });

      it.skipIf(!capabilities.corruptPartial)(
        "re-hashes a resumed prefix instead of trusting it: a corrupt partial fails the commit",
        async () => {
          const d = await describeBytes(content);
          const first = await store.ingest(d);
          await first.write(content.subarray(0, 5000));
          await first.close();
          await t.corruptPartial!(d.digest);

          const second = await store.ingest(d);
          expect(second.offset).toBeLessThanOrEqual(5000);
          await second.write(content.subarray(second.offset));
          if (second.offset > 0) {
            await expectCode(second.commit(), "DIGEST_MISMATCH");
            await expectNothing(store, d);
          } else {
            await second.commit(); // a store may also detect the damage on open and start over
          }
          await writeBlob(store, d, content);
          expect(await fetchBytes(store, d)).toEqual(content);
        },
      );

      it.skipIf(!capabilities.reopen)("keeps a partial and the roots across a reopen", async () => {
        const d = await describeBytes(content);
        const first = await store.ingest(d);
        await first.write(content.subarray(0, 6000));
        await first.close();
        const manifest = await putImage(store, "survivor");
        await store.tag(manifest.manifest, "keep");

        const reopened = await t.reopen!();
        expect((await reopened.resolve("keep"))?.digest).toBe(manifest.manifest.digest);
        const second = await reopened.ingest(d);
        expect(second.offset).toBe(6000);
        await second.write(content.subarray(6000));
        await second.commit();
        expect(await fetchBytes(reopened, d)).toEqual(content);
      });

      it("lets concurrent ingests of one digest all commit, with the right content visible once", async () => {
        const d = await describeBytes(content);
        const writers = await Promise.all([1, 2, 3, 4].map(() => store.ingest(d, { resume: false })));
        // Interleave the writers' chunks so that none of them finishes first.
        for (let at = 0; at < content.length; at += 1500) {
          await Promise.all(writers.map((w) => w.write(content.subarray(at, at + 1500))));
        }
        await Promise.all(writers.map((w) => w.commit()));
        expect(await fetchBytes(store, d)).toEqual(content);
        expect(await store.exists(d)).toBe(true);
      });

      it("keeps the blob of one writer when a concurrent writer of the same digest aborts", async () => {
        const d = await describeBytes(content);
        const [a, b] = await Promise.all([store.ingest(d, { resume: false }), store.ingest(d, { resume: false })]);
        await Promise.all([a.write(content), b.write(content.subarray(0, 100))]);
        await Promise.all([a.commit(), b.abort()]);
        expect(await fetchBytes(store, d)).toEqual(content);
      });

      it("gives a second writer of a digest its own partial while the first still writes", async () => {
        const d = await describeBytes(content);
        const a = await store.ingest(d);
        await a.write(content.subarray(0, 2000));
        const b = await store.ingest(d); // the first writer's bytes are not a closed partial: b starts at 0
        expect(b.offset).toBe(0);
        await b.write(content);
        await b.commit();
        await a.write(content.subarray(2000));
        await a.commit();
        expect(await fetchBytes(store, d)).toEqual(content);
      });
    });

    describe("roots", () => {
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
        expect((await store.resolve(`localhost:5000/app@${tagged.manifest.digest}`))?.digest).toBe(
          tagged.manifest.digest,
        );
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
    });

    describe("remove and gc", () => {
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
    });

    describe.skipIf(!capabilities.sources)("sources", () => {
      it("records where a blob came from, once per repository, and forgets it with the blob", async () => {
        expect(isSourceRecorder(store)).toBe(true);
        if (!isSourceRecorder(store)) return;
        const kept = await putImage(store, "kept");
        await store.tag(kept.manifest, "v1");
        const loose = await put(store, encoder.encode("loose"));
        expect(await store.sources(kept.layer.digest)).toEqual([]);
        await Promise.all([
          store.recordSource(kept.layer.digest, "localhost:5000/a"),
          store.recordSource(kept.layer.digest, "localhost:5000/b"),
        ]);
        await store.recordSource(kept.layer.digest, "localhost:5000/a");
        await store.recordSource(loose.digest, "localhost:5000/a");
        expect((await store.sources(kept.layer.digest)).sort()).toEqual(["localhost:5000/a", "localhost:5000/b"]);
        await store.gc();
        expect(await store.sources(loose.digest)).toEqual([]);
        expect(await store.sources(kept.layer.digest)).toHaveLength(2);
        await store.remove(kept.layer);
        expect(await store.sources(kept.layer.digest)).toEqual([]);
      });
    });

    describe.skipIf(!capabilities.uploadState)("upload state", () => {
      it("keeps, returns and forgets upload sessions", async () => {
        expect(isUploadStateKeeper(store)).toBe(true);
        if (!isUploadStateKeeper(store)) return;
        const key = "localhost:5000/app sha256:abc";
        expect(await store.getUpload(key)).toBeUndefined();
        const state = { location: "http://localhost:5000/v2/app/blobs/uploads/1?_state=x", offset: 42, updatedAt: 1 };
        await store.setUpload(key, state);
        expect(await store.getUpload(key)).toEqual(state);
        await store.setUpload(key, { ...state, offset: 84 });
        expect((await store.getUpload(key))?.offset).toBe(84);
        await store.deleteUpload(key);
        expect(await store.getUpload(key)).toBeUndefined();
        await store.deleteUpload(key);
      });
    });
  });
}

// ---- content helpers (exported for store-specific tests) -------------------------------------------------------

/** Deterministic pseudo-random bytes (xorshift32), in chunks of at most `chunkSize`: never held whole. */
export function* pattern(size: number, seed: number, chunkSize = 1 * MiB): Generator<Uint8Array> {
  let state = seed >>> 0 || 1;
  const words = new Uint32Array(chunkSize / 4);
  const bytes = new Uint8Array(words.buffer);
  for (let at = 0; at < size; at += chunkSize) {
    for (let i = 0; i < words.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      words[i] = state;
    }
    yield bytes.subarray(0, Math.min(chunkSize, size - at)); // one reused buffer: consumers must copy
  }
}

/** Writes {@link pattern}'s bytes into `ingest` from its offset on (what a resumed pull writes), in chunks. */
export async function writePattern(ingest: Ingest, size: number, seed: number): Promise<void> {
  const from = ingest.offset;
  let at = 0;
  for (const chunk of pattern(size, seed)) {
    const skip = Math.max(0, Math.min(chunk.length, from - at));
    at += chunk.length;
    if (skip < chunk.length) await ingest.write(chunk.subarray(skip));
  }
}

/**
 * Ingests `size` bytes of {@link pattern} while the storage has only `room` bytes left (by the usage the browser
 * reports: a test clears what earlier tests left, whose space a browser may still count), then closes the ingest (as a
 * pull does after a failure that is not the content's) and restores the storage. `setQuota` sets the origin's quota
 * (a browser test does it through DevTools' Storage.overrideQuotaForOrigin), or restores it when given undefined.
 * Resolves the descriptor and what the writes or the commit threw.
 */
export async function ingestPastQuota(
  store: Store,
  content: { size: number; seed: number; room: number },
  setQuota: (bytes: number | undefined) => Promise<void>,
): Promise<{ descriptor: Descriptor; error: unknown }> {
  const descriptor = await describePattern(content.size, content.seed);
  const usage = (await navigator.storage.estimate()).usage ?? 0;
  await setQuota(usage + content.room);
  try {
    const ingest = await store.ingest(descriptor);
    const error = await writePattern(ingest, content.size, content.seed)
      .then(() => ingest.commit())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    await ingest.close();
    return { descriptor, error };
  } finally {
    await setQuota(undefined);
  }
}

/** The descriptor of {@link pattern}'s bytes, computed by streaming them once. */
export async function describePattern(size: number, seed: number): Promise<Descriptor> {
  const hasher = await createHasher("sha256");
  for (const chunk of pattern(size, seed)) hasher.update(chunk);
  return { mediaType: OCTET_STREAM, digest: hasher.digest(), size };
}

/** The descriptor of some bytes. */
export async function describeBytes(bytes: Uint8Array, mediaType = OCTET_STREAM): Promise<Descriptor> {
  return { mediaType, digest: await digestOf(bytes), size: bytes.byteLength };
}

/** Stores bytes and returns their descriptor. */
export async function put(store: Store, bytes: Uint8Array, mediaType = OCTET_STREAM): Promise<Descriptor> {
  const d = await describeBytes(bytes, mediaType);
  await writeBlob(store, d, bytes);
  return d;
}

/** Stores a JSON document (compact) and returns its descriptor. */
export function putJson(store: Store, mediaType: string, value: unknown): Promise<Descriptor> {
  return put(store, encoder.encode(JSON.stringify(value)), mediaType);
}

/** A stored single-platform image: its manifest, config and one layer. */
export interface Image {
  manifest: Descriptor;
  config: Descriptor;
  layer: Descriptor;
}

/** Stores a small image (OCI, or Docker schema 2) whose blobs are unique to `name`. */
export async function putImage(store: Store, name: string, docker = false): Promise<Image> {
  const config = await putJson(store, docker ? DOCKER_CONFIG : OCI_CONFIG, {
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [] },
    config: { Labels: { name } },
  });
  const layer = await put(store, encoder.encode(`layer of ${name}`), docker ? DOCKER_LAYER : OCI_LAYER_GZIP);
  const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = await putJson(store, mediaType, { schemaVersion: 2, mediaType, config, layers: [layer] });
  return { manifest, config, layer };
}

/** Stores an artifact manifest whose `subject` is `subject` (a signature, an SBOM). */
export async function putReferrer(store: Store, subject: Descriptor, name: string): Promise<Image> {
  const config = await put(store, encoder.encode("{}"), OCI_EMPTY);
  const layer = await put(store, encoder.encode(`payload of ${name}`), "application/vnd.example.payload");
  const manifest = await putJson(store, OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: "application/vnd.example.signature",
    config,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { name },
  });
  return { manifest, config, layer };
}

/** Reads a whole blob (small ones: the suite's large case streams instead). */
export async function fetchBytes(store: Store, d: Descriptor): Promise<Uint8Array> {
  return readAll(await store.fetch(d), 16 * MiB);
}

async function fetchText(store: Store, d: Descriptor): Promise<string> {
  return new TextDecoder().decode(await fetchBytes(store, d));
}

async function expectNothing(store: Store, d: Descriptor): Promise<void> {
  expect(await store.exists(d)).toBe(false);
  await expectCode(store.fetch(d), "NOT_FOUND");
}

/** Expects a promise to reject with an OciError of the given code. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected an OciError ${code}`).toBeDefined();
  expect(isOciError(caught) ? caught.code : caught).toBe(code);
}
