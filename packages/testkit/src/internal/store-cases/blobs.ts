import {
  createHasher,
  type Digest,
  isBatchBlobChecker,
  isOciError,
  OCTET_STREAM,
  readAll,
  type Store,
} from "@toci/spec-types";
import { beforeEach, describe, expect, it } from "vitest";
import type { StoreContext, StoreUnderTest } from "./context.js";
import {
  describeBytes,
  describePattern,
  encoder,
  expectCode,
  fetchBytes,
  fetchText,
  MiB,
  pattern,
  put,
} from "./helpers.js";

/** The suite's "blobs" cases. */
export function blobs(ctx: StoreContext): void {
  describe("blobs", () => {
    roundTrips(ctx);
    presence(ctx);
  });
}

function roundTrips({ current, capabilities, large }: StoreContext): void {
  let store: Store;
  beforeEach(() => {
    ({ store } = current());
  });
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
}

function presence({ current, capabilities }: StoreContext): void {
  let store: Store;
  let t: StoreUnderTest;
  beforeEach(() => {
    ({ store, t } = current());
  });
  it("answers exists false and fetch NOT_FOUND for an absent blob", async () => {
    const d = await describeBytes(encoder.encode("never stored"));
    expect(await store.exists(d)).toBe(false);
    await expectCode(store.fetch(d), "NOT_FOUND");
  });

  it("a store that tells many blobs at once answers each as exists() does", async () => {
    if (!isBatchBlobChecker(store)) return;
    expect(await store.existsAll([])).toEqual([]);
    // Enough blobs for a store to answer them together (store-fs lists a directory from 8 on).
    const present = await Promise.all(Array.from({ length: 12 }, (_, i) => put(store, encoder.encode(`many ${i}`))));
    const absent = await Promise.all(Array.from({ length: 12 }, (_, i) => describeBytes(encoder.encode(`none ${i}`))));
    const wrongSize = { ...present[0]!, size: present[0]!.size + 1 };
    const asked = [...present, ...absent, wrongSize].sort((a, b) => (a.digest < b.digest ? -1 : 1));
    const answers = await store.existsAll(asked);
    expect(answers).toEqual(await Promise.all(asked.map((d) => store.exists(d))));
    expect(answers.filter(Boolean)).toHaveLength(present.length);
    // A blob found absent is then written as usual.
    const later = await put(store, encoder.encode("none 0"));
    expect(later.digest).toBe(absent[0]!.digest);
    expect(await store.existsAll([later, ...absent.slice(1)])).toEqual([true, ...absent.slice(1).map(() => false)]);
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
}
