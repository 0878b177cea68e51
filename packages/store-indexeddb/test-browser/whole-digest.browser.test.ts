// How the store verifies a blob depends on its size (src/internal/ingest.ts): up to `wholeDigestMax`, WebCrypto over
// its stored segments read back whole at commit; above it, hash-wasm as the bytes are written. With a bound of 1 MiB,
// blobs just under and just past it take each way, on the page and in the writer worker: a blob whose bytes hash to
// another digest is refused at commit and nothing of it stays (no blob, no partial), the right bytes are stored. A
// resumed partial verified whole is read back at commit, so bytes changed in the database meanwhile are refused.
import { describe as describeContent, isOciError, type Store } from "@toci/spec-types";
import { randomBytes } from "@toci/testkit/store-suite";
import { describe, expect, it } from "vitest";
import { databaseName, indexedDbStore } from "../src/index.js";
import { writerWorker } from "../src/writer-worker.js";

const MiB = 1024 * 1024;
const worker = writerWorker(new URL("../src/worker.ts?worker_file&type=module", import.meta.url));

async function writeAll(store: Store, bytes: Uint8Array, as: Awaited<ReturnType<typeof describeContent>>) {
  const ingest = await store.ingest(as);
  for (let at = ingest.offset; at < bytes.length; at += 200_000) await ingest.write(bytes.subarray(at, at + 200_000));
  return ingest;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (error: unknown) => error,
  );

/** Partials ([digest, ingestId] keys) of `digest` in the database. */
async function partials(name: string, digest: string): Promise<unknown[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(databaseName(name));
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  try {
    const keys = await new Promise<IDBValidKey[]>((resolve) => {
      const request = db.transaction("partials").objectStore("partials").getAllKeys();
      request.onsuccess = () => resolve(request.result);
    });
    return keys.filter((k) => Array.isArray(k) && k[0] === digest);
  } finally {
    db.close();
  }
}

for (const where of ["page", "worker"] as const) {
  describe(`on the ${where === "page" ? "page" : "writer worker"}`, () => {
    const open = (name: string, wholeDigestMax: number) =>
      indexedDbStore(name, { chunkSize: 256 * 1024, wholeDigestMax, ...(where === "worker" ? { worker } : {}) });

    const refusedThenStored = async (size: number, wholeDigestMax: number) => {
      const name = `whole-${where}-${Date.now()}`;
      const store = await open(name, wholeDigestMax);
      try {
        const bytes = randomBytes(size);
        const right = await describeContent(bytes);
        const flipped = bytes.slice();
        flipped[size - 1] = (flipped[size - 1] ?? 0) ^ 1;
        const refused = await failure((await writeAll(store, flipped, right)).commit());
        expect(isOciError(refused) && refused.code).toBe("DIGEST_MISMATCH");
        expect(await store.exists(right)).toBe(false);
        expect(await partials(name, right.digest)).toEqual([]);

        await (await writeAll(store, bytes, right)).commit();
        const back = new Uint8Array(await new Response(await store.fetch(right)).arrayBuffer());
        expect(back.length === size && back.every((b, i) => b === bytes[i])).toBe(true);
      } finally {
        await store.close();
        indexedDB.deleteDatabase(databaseName(name));
      }
    };

    it("verifies a blob up to wholeDigestMax whole at commit", () => refusedThenStored(MiB, MiB));
    it("hashes a blob past wholeDigestMax as it is written", () => refusedThenStored(MiB + 1, MiB));
    it("hashes every blob as it is written with wholeDigestMax 0", () => refusedThenStored(300_000, 0));

    it("reads a resumed partial back at commit: bytes changed in the database meanwhile are refused", async () => {
      const name = `whole-resume-${where}-${Date.now()}`;
      const store = await open(name, MiB);
      try {
        const bytes = randomBytes(MiB);
        const blob = await describeContent(bytes);
        const first = await store.ingest(blob);
        await first.write(bytes.subarray(0, 512 * 1024));
        await first.close(); // two 256 KiB segments stored
        await overwriteFirstChunk(name, blob.digest);
        const resumed = await writeAll(store, bytes, blob);
        expect(await failure(resumed.commit())).toMatchObject({ code: "DIGEST_MISMATCH" });
        expect(await store.exists(blob)).toBe(false);

        const again = await writeAll(store, bytes, blob);
        await again.commit();
        expect(await store.exists(blob)).toBe(true);
      } finally {
        await store.close();
        indexedDB.deleteDatabase(databaseName(name));
      }
    });
  });
}

it("refuses a wholeDigestMax that is not whole bytes, before it opens a database", async () => {
  for (const wholeDigestMax of [-1, 0.5, Number.NaN, 2 ** 31]) {
    const name = `whole-bad-${Date.now()}`;
    expect(await failure(indexedDbStore(name, { wholeDigestMax }))).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(databaseName(name));
  }
});

/** Replaces the first stored chunk of `digest`'s partial by other bytes of the same length. */
async function overwriteFirstChunk(name: string, digest: string): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(databaseName(name));
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  try {
    const tx = db.transaction("chunks", "readwrite");
    const chunks = tx.objectStore("chunks");
    const keys = await new Promise<IDBValidKey[]>((resolve) => {
      const request = chunks.getAllKeys();
      request.onsuccess = () => resolve(request.result);
    });
    const key = keys.find((k) => Array.isArray(k) && k[0] === digest && k[2] === 0);
    if (!key) throw new Error("no chunk 0");
    chunks.put(new Blob([randomBytes(256 * 1024) as Uint8Array<ArrayBuffer>]), key);
    await new Promise((resolve) => (tx.oncomplete = resolve));
  } finally {
    db.close();
  }
}

it("hashes as it writes on the page by default (no WebCrypto digest on the main thread), and digests whole when asked", async () => {
  const digests: number[] = [];
  const original = crypto.subtle.digest.bind(crypto.subtle);
  crypto.subtle.digest = (algorithm, data) => {
    digests.push((data as ArrayBufferView).byteLength ?? 0);
    return original(algorithm, data);
  };
  try {
    for (const wholeDigestMax of [undefined, MiB]) {
      const name = `whole-default-${Date.now()}`;
      const store = await indexedDbStore(name, { chunkSize: 256 * 1024, wholeDigestMax });
      try {
        const bytes = randomBytes(MiB);
        await (await writeAll(store, bytes, await describeContent(bytes))).commit();
      } finally {
        await store.close();
        indexedDB.deleteDatabase(databaseName(name));
      }
      expect(digests.splice(0)).toEqual(wholeDigestMax === undefined ? [] : [MiB]);
    }
  } finally {
    crypto.subtle.digest = original;
  }
});

it("keeps the partial when verifying fails for another reason than the content: the next ingest resumes it", async () => {
  const name = `whole-keep-${Date.now()}`;
  const store = await indexedDbStore(name, { chunkSize: 256 * 1024, wholeDigestMax: MiB });
  const original = crypto.subtle.digest.bind(crypto.subtle);
  try {
    const bytes = randomBytes(MiB);
    const blob = await describeContent(bytes);
    crypto.subtle.digest = () => Promise.reject(new DOMException("out of memory", "OperationError"));
    const error = await failure((await writeAll(store, bytes, blob)).commit());
    expect(error).toMatchObject({ code: "STORE" });
    expect(await store.exists(blob)).toBe(false);
    expect(await partials(name, blob.digest)).toHaveLength(1);

    crypto.subtle.digest = original;
    const resumed = await store.ingest(blob);
    expect(resumed.offset).toBe(MiB); // nothing fetched again
    await resumed.commit();
    expect(await store.exists(blob)).toBe(true);
  } finally {
    crypto.subtle.digest = original;
    await store.close();
    indexedDB.deleteDatabase(databaseName(name));
  }
});
