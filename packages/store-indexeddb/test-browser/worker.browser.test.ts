// Ingests in the store's writer worker (asked for with `worker: writerWorker(url)`): the page hands it 2 MiB buffers, or a body whole
// (BodyWriter, as the client's pull does), and the worker hashes, stores and verifies. The worker starts with the
// first ingest, and one that dies fails its writers with STORE. What every body writer must do (a wrong body never
// stored, a cut one resumed) is the store suite's "body writer" group, run on the worker in conformance.browser.test.ts.
import { type Descriptor, describe as describeContent, type Ingest, isBodyWriter, type Store } from "@toci/spec-types";
import { byteBody, describeBytes, randomBytes } from "@toci/testkit/store-suite";
import { expect, it } from "vitest";
import { databaseName, type IndexedDbStore, indexedDbStore } from "../src/index.js";
import { writerWorker } from "../src/writer-worker.js";

const MiB = 1024 * 1024;
// The worker's script as vite serves a worker module (what `new Worker(new URL(…), { type: "module" })` gets).
const worker = writerWorker(new URL("../src/worker.ts?worker_file&type=module", import.meta.url));

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
    const bytes = randomBytes(3 * MiB + 5);
    const d = await describeBytes(bytes);
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

it("fails the writers of a worker that dies mid-blob with STORE, and the next ingest starts another worker", async () => {
  const crashing = writerWorker(new URL("./crashing.worker.ts?worker_file&type=module", import.meta.url));
  await withStore(
    "worker-crash",
    async (store) => {
      const bytes = randomBytes(9 * MiB);
      const d = await describeBytes(bytes);
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
