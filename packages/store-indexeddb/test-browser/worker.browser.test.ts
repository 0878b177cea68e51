// Ingests in the store's writer worker (asked for with `worker: writerWorker(url)`): the page hands it 2 MiB buffers, or a body whole
// (BodyWriter, as the client's pull does), and the worker hashes, stores and verifies. A wrong body is never
// stored, a cut one resumes from what the worker stored, and a worker that dies fails its writers with STORE.
import {
  type Descriptor,
  describe as describeContent,
  digestOf,
  type Ingest,
  isBodyWriter,
  type Store,
} from "@toci/spec-types";
import { expect, it } from "vitest";
import { databaseName, type IndexedDbStore, indexedDbStore } from "../src/index.js";
import { writerWorker } from "../src/writer-worker.js";

const MiB = 1024 * 1024;
// The worker's script as vite serves a worker module (what `new Worker(new URL(…), { type: "module" })` gets).
const worker = writerWorker(new URL("../src/worker.ts?worker_file&type=module", import.meta.url));

function random(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
  return bytes;
}

async function blobOf(bytes: Uint8Array): Promise<Descriptor> {
  return { mediaType: "application/octet-stream", digest: await digestOf(bytes), size: bytes.byteLength };
}

/** A byte stream of `bytes` in pieces of 300 000 bytes, closed at the end, or failed with `fail`. */
function byteBody(bytes: Uint8Array, fail?: Error) {
  let at = 0;
  const seen = { cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    type: "bytes",
    pull(controller) {
      if (at >= bytes.byteLength) {
        if (fail) controller.error(fail);
        else controller.close();
        (controller as ReadableByteStreamController).byobRequest?.respond(0);
        return;
      }
      const n = Math.min(300_000, bytes.byteLength - at);
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { body, seen };
}

async function withStore(
  prefix: string,
  test: (store: IndexedDbStore, name: string) => Promise<void>,
  options: Parameters<typeof indexedDbStore>[1] = {},
) {
  const name = `${prefix}-${Date.now()}`;
  const store = await indexedDbStore(name, { chunkSize: MiB, worker, ...options });
  try {
    await test(store, name);
  } finally {
    await store.close();
    indexedDB.deleteDatabase(databaseName(name));
  }
}

async function bodyWriter(store: Store, d: Descriptor) {
  const ingest = await store.ingest(d);
  if (!isBodyWriter(ingest)) throw new Error("the ingest does not take bodies");
  return ingest;
}

/** Keys of what the database holds for `digest`, behind the store's back: partials and chunks. */
async function leftovers(name: string, digest: string): Promise<unknown[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(databaseName(name));
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  try {
    const keys = (store: string) =>
      new Promise<IDBValidKey[]>((resolve) => {
        const r = db.transaction(store).objectStore(store).getAllKeys();
        r.onsuccess = () => resolve(r.result);
      });
    return [...(await keys("partials")), ...(await keys("chunks"))].filter((k) => (k as string[])[0] === digest);
  } finally {
    db.close();
  }
}

it("ingests in a worker of its own, started on the first ingest; without the option, on the page", async () => {
  const started: (string | URL)[] = [];
  const Original = Worker;
  globalThis.Worker = class extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      started.push(url);
    }
  };
  try {
    const bytes = random(3 * MiB + 5);
    const d = await blobOf(bytes);
    await withStore("worker-default", async (store) => {
      expect(started).toEqual([]); // opening a store starts nothing
      const ingest = await bodyWriter(store, d);
      expect(started).toHaveLength(1);
      await ingest.writeBody(byteBody(bytes).body);
      await ingest.commit();
      expect(await describeContent(await store.fetch(d))).toMatchObject({ digest: d.digest, size: d.size });
      expect(started).toHaveLength(1); // one worker for the store's ingests
    });
    await withStore(
      "worker-off",
      async (store) => {
        const ingest: Ingest = await store.ingest(d);
        expect(isBodyWriter(ingest)).toBe(false);
        await ingest.write(bytes);
        await ingest.commit();
        expect(await store.exists(d)).toBe(true);
      },
      { worker: undefined },
    );
    expect(started).toHaveLength(1);
  } finally {
    globalThis.Worker = Original;
  }
});

it("refuses at commit a body that does not match its digest, with DIGEST_MISMATCH, and keeps nothing", async () => {
  await withStore("worker-digest", async (store, name) => {
    const right = random(5 * MiB + 7);
    const d = await blobOf(right);
    const wrong = right.slice();
    wrong[3 * MiB] = (wrong[3 * MiB] ?? 0) ^ 1;
    const ingest = await bodyWriter(store, d);
    await ingest.writeBody(byteBody(wrong).body);
    expect(ingest.offset).toBe(d.size);
    await expect(ingest.commit()).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
    expect(await store.exists(d)).toBe(false);
    expect(await leftovers(name, d.digest)).toEqual([]);
  });
});

it("refuses a body longer than the blob with SIZE_MISMATCH and cancels it", async () => {
  await withStore("worker-size", async (store, name) => {
    const bytes = random(2 * MiB + 100);
    const d = await blobOf(bytes.subarray(0, 2 * MiB));
    const ingest = await bodyWriter(store, d);
    const { body, seen } = byteBody(bytes);
    await expect(ingest.writeBody(body)).rejects.toMatchObject({ code: "SIZE_MISMATCH" });
    expect(seen.cancelled).toBe(true);
    await ingest.abort();
    expect(await store.exists(d)).toBe(false);
    expect(await leftovers(name, d.digest)).toEqual([]);
  });
});

it("keeps what reached the worker when a body fails midway, and a resumed ingest completes the blob", async () => {
  await withStore("worker-cut", async (store) => {
    const bytes = random(6 * MiB + 3);
    const d = await blobOf(bytes);
    const first = await bodyWriter(store, d);
    const progress: number[] = [];
    const cut = byteBody(bytes.subarray(0, 5 * MiB), new TypeError("network error"));
    await expect(first.writeBody(cut.body, { progress: (o) => progress.push(o) })).rejects.toThrow("network error");
    await first.close();
    // Whole buffers reached the worker, which stored them (1 MiB segments) before close() resolved; the buffer being
    // filled when the body failed is lost, never counted.
    expect(progress).toEqual([2 * MiB, 4 * MiB]);
    const resumed = await bodyWriter(store, d);
    expect(resumed.offset).toBe(4 * MiB);
    await resumed.writeBody(byteBody(bytes.subarray(resumed.offset)).body);
    await resumed.commit();
    expect(await describeContent(await store.fetch(d))).toMatchObject({ digest: d.digest, size: d.size });
  });
});

it("fails the writers of a worker that dies mid-blob with STORE, and the next ingest starts another worker", async () => {
  const crashing = writerWorker(new URL("./crashing.worker.ts?worker_file&type=module", import.meta.url));
  await withStore(
    "worker-crash",
    async (store) => {
      const bytes = random(9 * MiB);
      const d = await blobOf(bytes);
      const ingest = await bodyWriter(store, d);
      const failure = await ingest.writeBody(byteBody(bytes).body).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: "STORE", message: expect.stringMatching(/worker .*crashed/) });
      await ingest.close(); // what the dead worker stored stays a partial
      // A new worker (which lets two writes through again): 4 MiB more, then it dies too.
      const next = await bodyWriter(store, d);
      await expect(next.writeBody(byteBody(bytes.subarray(next.offset)).body)).rejects.toMatchObject({ code: "STORE" });
      await next.abort();
      expect(await store.exists(d)).toBe(false);
    },
    { worker: crashing },
  );
});
