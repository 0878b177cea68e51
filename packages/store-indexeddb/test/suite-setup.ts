// The store-suite set-up for IndexedDB, shared by the Node run (fake-indexeddb) and the Chromium run: no node:
// imports here. Corruption goes through raw IndexedDB, behind the store's back.
import type { Digest } from "@toci/spec-types";
import {
  PERSISTENT_STORE,
  reopenableStore,
  type StoreCapabilities,
  type StoreUnderTest,
} from "@toci/testkit/store-suite";
import { databaseName, indexedDbStore } from "../src/index.js";
import { writerWorker } from "../src/writer-worker.js";

let counter = 0;

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function openRaw(name: string): Promise<IDBDatabase> {
  return request(indexedDB.open(databaseName(name)));
}

/** Flips the first byte of the first chunk of the chunk range [digest, ingestId]. */
async function flipChunk(name: string, digest: Digest, ingestId: string): Promise<void> {
  const db = await openRaw(name);
  try {
    const chunks = db.transaction("chunks").objectStore("chunks");
    const value = (await request(chunks.get([digest, ingestId, 0]))) as Blob | Uint8Array;
    const bytes = value instanceof Uint8Array ? value.slice() : new Uint8Array(await value.arrayBuffer());
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    // A second transaction: the first one ended while the Blob was read.
    await request(
      db
        .transaction("chunks", "readwrite")
        .objectStore("chunks")
        .put(new Blob([bytes]), [digest, ingestId, 0]),
    );
  } finally {
    db.close();
  }
}

async function partialIds(name: string, digest: Digest): Promise<string[]> {
  const db = await openRaw(name);
  try {
    const keys = await request(db.transaction("partials").objectStore("partials").getAllKeys());
    return (keys as [string, string][]).filter((k) => k[0] === digest).map((k) => k[1]);
  } finally {
    db.close();
  }
}

/** Partial records of `digest`, and chunks of it that no committed blob owns. */
async function leftovers(name: string, digest: Digest): Promise<number> {
  const db = await openRaw(name);
  try {
    const blob = (await request(db.transaction("blobs").objectStore("blobs").get(digest))) as
      | { ingestId: string }
      | undefined;
    const keys = async (store: string) =>
      ((await request(db.transaction(store).objectStore(store).getAllKeys())) as string[][]).filter(
        (k) => k[0] === digest && k[1] !== blob?.ingestId,
      );
    return (await keys("partials")).length + (await keys("chunks")).length;
  } finally {
    db.close();
  }
}

async function blobIngestId(name: string, digest: Digest): Promise<string> {
  const db = await openRaw(name);
  try {
    const record = await request(db.transaction("blobs").objectStore("blobs").get(digest));
    return (record as { ingestId: string }).ingestId;
  } finally {
    db.close();
  }
}

/** A store under test: `chunkSize` when given, and ingests in the writer worker at `workerUrl` when given. */
export function idbUnderTest(prefix: string, chunkSize?: number, workerUrl?: URL): () => Promise<StoreUnderTest> {
  return async () => {
    const name = `${prefix}-${Date.now()}-${counter++}`;
    const options = { ...(chunkSize ? { chunkSize } : {}), ...(workerUrl ? { worker: writerWorker(workerUrl) } : {}) };
    return reopenableStore(() => indexedDbStore(name, options), {
      corruptPartial: async (digest) => {
        const [id] = await partialIds(name, digest);
        if (!id) throw new Error(`no partial of ${digest}`);
        await flipChunk(name, digest, id);
      },
      corruptBlob: async (digest) => flipChunk(name, digest, await blobIngestId(name, digest)),
      leftovers: (digest) => leftovers(name, digest),
      remove: async () => {
        await request(indexedDB.deleteDatabase(databaseName(name)));
      },
    });
  };
}

export const capabilities: StoreCapabilities = PERSISTENT_STORE;
