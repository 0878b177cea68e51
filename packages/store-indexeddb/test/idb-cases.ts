// IndexedDB-specific cases, runtime-neutral so that they run under fake-indexeddb in Node and in Chromium:
// quota and transaction failures become STORE and leave nothing visible, and a store's key spaces hold what the
// README says they hold.
import { type Descriptor, digestOf, isOciError, readAll } from "@toci/spec-types";
import { describeBytes, expectCode, pattern } from "@toci/testkit/store-suite";
import { afterEach, describe, expect, it } from "vitest";
import { databaseName, type IndexedDbStore, indexedDbStore } from "../src/index.js";

let counter = 0;

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function keys(name: string, storeName: string): Promise<IDBValidKey[]> {
  const db = await request(indexedDB.open(databaseName(name)));
  try {
    return await request(db.transaction(storeName).objectStore(storeName).getAllKeys());
  } finally {
    db.close();
  }
}

/**
 * Makes `put` into the object store `target` fail from the `after`-th call on: synchronously with a
 * QuotaExceededError DOMException, or by aborting the transaction (what a real quota failure at commit does).
 */
function failPuts(target: string, after: number, how: "throw" | "abort"): () => void {
  const original = IDBObjectStore.prototype.put;
  let calls = 0;
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (this.name === target && ++calls > after) {
      if (how === "throw") throw new DOMException("injected: the quota has been exceeded", "QuotaExceededError");
      const result = original.call(this, value, key);
      this.transaction.abort();
      return result;
    }
    return original.call(this, value, key);
  } as typeof original;
  return () => {
    IDBObjectStore.prototype.put = original;
  };
}

export function describeIdbCases(prefix: string): void {
  describe(`IndexedDB specifics (${prefix})`, () => {
    const opened: { store: IndexedDbStore; name: string }[] = [];
    const open = async (chunkSize = 64 * 1024) => {
      const name = `${prefix}-cases-${Date.now()}-${counter++}`;
      const store = await indexedDbStore(name, { chunkSize });
      opened.push({ store, name });
      return { store, name };
    };
    let restore: (() => void) | undefined;
    afterEach(async () => {
      restore?.();
      restore = undefined;
      for (const { store, name } of opened.splice(0)) {
        await store.close();
        await request(indexedDB.deleteDatabase(databaseName(name)));
      }
    });

    async function content(size: number): Promise<{ d: Descriptor; bytes: Uint8Array }> {
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const chunk of pattern(size, 5)) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      return { d: await describeBytes(bytes), bytes };
    }

    for (const how of ["throw", "abort"] as const) {
      /** Writes 512 KiB in 32 KiB writes into 64 KiB segments whose third put fails; expects a STORE error. */
      const writeIntoQuota = async () => {
        const { store, name } = await open(); // 64 KiB segments
        const { d, bytes } = await content(512 * 1024);
        const ingest = await store.ingest(d);
        restore = failPuts("chunks", 2, how);
        let caught: unknown;
        try {
          for (let at = 0; at < bytes.length; at += 32 * 1024) await ingest.write(bytes.subarray(at, at + 32 * 1024));
        } catch (error) {
          caught = error;
        }
        restore();
        expect(isOciError(caught) && caught.code).toBe("STORE");
        return { store, name, d, bytes, ingest };
      };

      it(`turns a quota failure while writing chunks (${how}) into STORE and keeps nothing`, async () => {
        const { store, name, d, ingest } = await writeIntoQuota();
        await ingest.abort();
        expect(await store.exists(d)).toBe(false);
        expect(await keys(name, "chunks")).toEqual([]);
        expect(await keys(name, "partials")).toEqual([]);
      });

      it(`keeps what was stored before a quota failure (${how}) resumable after close()`, async () => {
        const { store, d, bytes, ingest } = await writeIntoQuota(); // two segments (128 KiB) were stored
        await expectCode(ingest.write(bytes.subarray(0, 1)), "STORE"); // a failed writer takes nothing more
        await ingest.close();
        expect(await store.exists(d)).toBe(false);

        const resumed = await store.ingest(d);
        expect(resumed.offset).toBe(128 * 1024);
        await resumed.write(bytes.subarray(resumed.offset));
        await resumed.commit();
        expect(await digestOf(await readAll(await store.fetch(d), bytes.length))).toBe(d.digest);
      });

      it(`turns a failure of the commit transaction (${how}) into STORE, with no visible blob, and keeps the partial`, async () => {
        const { store, name } = await open();
        const { d, bytes } = await content(200 * 1024);
        const ingest = await store.ingest(d);
        await ingest.write(bytes);
        restore = failPuts("blobs", 0, how);
        await expectCode(ingest.commit(), "STORE");
        restore();
        expect(await store.exists(d)).toBe(false);
        await expectCode(store.fetch(d), "NOT_FOUND");
        expect(await keys(name, "blobs")).toEqual([]);
        // The bytes were right: they stay a partial, which the next ingest resumes whole instead of fetching again.
        expect(((await keys(name, "partials")) as [string, string][]).map((k) => k[0])).toEqual([d.digest]);
        const resumed = await store.ingest(d);
        expect(resumed.offset).toBe(bytes.length);
        await resumed.commit();
        expect(await store.exists(d)).toBe(true);
      });
    }

    it("keeps blob chunks, metadata, partials and roots in their own object stores", async () => {
      const { store, name } = await open(100 * 1024);
      const { d, bytes } = await content(250 * 1024);
      const ingest = await store.ingest(d);
      await ingest.write(bytes);
      await ingest.commit();
      const { d: partial, bytes: partialBytes } = await content(10 * 1024);
      const writer = await store.ingest({ ...partial, digest: partial.digest });
      await writer.write(partialBytes.subarray(0, 1000));
      await writer.close();
      await store.tag({ ...d, mediaType: "application/vnd.oci.image.manifest.v1+json" }, "v1");

      expect(await keys(name, "blobs")).toEqual([d.digest]);
      const chunkKeys = (await keys(name, "chunks")) as [string, string, number][];
      expect(chunkKeys.filter((k) => k[0] === d.digest).map((k) => k[2])).toEqual([0, 1, 2]); // 100+100+50 KiB
      expect(((await keys(name, "partials")) as [string, string][]).map((k) => k[0])).toEqual([partial.digest]);
      expect(await keys(name, "roots")).toEqual(["index"]);
    });

    it("refuses a closed store with CLOSED", async () => {
      const { store } = await open();
      await store.close();
      const { d } = await content(10);
      await expect(store.exists(d)).rejects.toSatisfy((e: unknown) => isOciError(e) && e.code === "CLOSED");
    });
  });
}
