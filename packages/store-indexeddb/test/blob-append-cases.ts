// An ingest that takes Blobs (spec-types' BlobAppender: the client's Range segments over fetch), runtime-neutral so
// that it runs under fake-indexeddb in Node and in Chromium: a Blob is stored as one value of its own after the
// bytes written before it, a resumed ingest continues after it, and a Blob of wrong bytes is refused at commit.
import { type Descriptor, isBlobAppender, readAll } from "@toci/spec-types";
import { describeBytes } from "@toci/testkit/store-suite";
import { afterEach, describe, expect, it } from "vitest";
import { databaseName, type IndexedDbStore, indexedDbStore } from "../src/index.js";

let counter = 0;

/** How many values the `chunks` object store of the store `name` holds. */
async function chunkValues(name: string): Promise<number> {
  const opened = indexedDB.open(databaseName(name));
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    opened.onsuccess = () => resolve(opened.result);
    opened.onerror = () => reject(opened.error);
  });
  try {
    const count = db.transaction("chunks").objectStore("chunks").count();
    return await new Promise<number>((resolve, reject) => {
      count.onsuccess = () => resolve(count.result);
      count.onerror = () => reject(count.error);
    });
  } finally {
    db.close();
  }
}
const SEGMENT = 64 * 1024;

/** 200 000 bytes of a pattern, and their descriptor. */
async function content(): Promise<{ bytes: Uint8Array<ArrayBuffer>; desc: Descriptor }> {
  const bytes = new Uint8Array(200_000).map((_, i) => (i * 13 + (i >> 10)) & 0xff);
  return { bytes, desc: await describeBytes(bytes) };
}

/** The ingest of `desc` in `store`, which must take Blobs. */
async function blobIngest(store: IndexedDbStore, desc: Descriptor, resume = true) {
  const ingest = await store.ingest(desc, { resume });
  if (!isBlobAppender(ingest)) throw new Error("the ingest takes no Blobs");
  return ingest;
}

export function describeBlobAppendCases(prefix: string, options: { wholeDigestMax?: number } = {}): void {
  describe(`Blob appends (${prefix})`, () => {
    const opened: { store: IndexedDbStore; name: string }[] = [];
    let last = "";
    const open = async () => {
      const name = `${prefix}-blobs-${Date.now()}-${counter++}`;
      const store = await indexedDbStore(name, { chunkSize: SEGMENT, ...options });
      opened.push({ store, name });
      last = name;
      return store;
    };
    afterEach(async () => {
      for (const { store, name } of opened.splice(0)) {
        await store.close();
        indexedDB.deleteDatabase(databaseName(name));
      }
    });

    it("takes bytes, then Blobs of its segment, each stored as it is, and reads them back verified", async () => {
      const store = await open();
      const { bytes, desc } = await content();
      const ingest = await blobIngest(store, desc);
      expect(ingest.blobSegment).toBe(SEGMENT);
      await ingest.write(bytes.subarray(0, 10_000)); // what write() buffered goes first
      for (let at = 10_000; at < bytes.length; at += SEGMENT) {
        await ingest.appendBlob(new Blob([bytes.subarray(at, Math.min(bytes.length, at + SEGMENT))]));
      }
      expect(ingest.offset).toBe(bytes.length);
      await ingest.commit();
      // The 10 000 bytes written as one segment, then the three Blobs as they were given.
      expect(await chunkValues(last)).toBe(4);
      expect(await readAll(await store.fetch(desc), bytes.length)).toEqual(bytes);
    });

    it("a closed ingest resumes after its last Blob", async () => {
      const store = await open();
      const { bytes, desc } = await content();
      const first = await blobIngest(store, desc);
      await first.appendBlob(new Blob([bytes.subarray(0, SEGMENT)]));
      await first.appendBlob(new Blob([bytes.subarray(SEGMENT, 2 * SEGMENT)]));
      await first.close();
      const second = await blobIngest(store, desc);
      expect(second.offset).toBe(2 * SEGMENT);
      await second.appendBlob(new Blob([bytes.subarray(2 * SEGMENT)]));
      await second.commit();
      expect(await readAll(await store.fetch(desc), bytes.length)).toEqual(bytes);
    });

    it("a Blob past the blob's size is refused with SIZE_MISMATCH, and wrong bytes at commit with DIGEST_MISMATCH", async () => {
      const store = await open();
      const { bytes, desc } = await content();
      const ingest = await blobIngest(store, desc);
      await expect(ingest.appendBlob(new Blob([bytes, new Uint8Array(1)]))).rejects.toMatchObject({
        code: "SIZE_MISMATCH",
      });
      await ingest.abort();
      const wrong = bytes.slice();
      wrong[150_000] = (wrong[150_000] ?? 0) ^ 0xff;
      const again = await blobIngest(store, desc, false);
      await again.appendBlob(new Blob([wrong]));
      await expect(again.commit()).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
      expect(await store.exists(desc)).toBe(false);
    });
  });
}
