// The store's writer workers (src/internal/writer-pool.ts): `writers` of them, started when the store opens, each
// new ingest opened on the one with the fewest open, so that blobs written together are written and verified on as
// many threads; every worker writes the same layout.
import { describe as describeContent, isOciError } from "@toci/spec-types";
import { afterEach, expect, it } from "vitest";
import { opfsStore } from "../dist/index.js";
import { removeStore } from "./suite-setup.js";

const Original = Worker;
afterEach(() => {
  globalThis.Worker = Original;
});

/** Counts the workers started, and the messages each is sent with what they ask (op). */
function countWorkers() {
  const workers: string[][] = [];
  globalThis.Worker = class extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      const ops: string[] = [];
      workers.push(ops);
      const post = this.postMessage.bind(this) as (message: unknown, transfer: Transferable[]) => void;
      this.postMessage = ((message: { request?: { op?: string } }, transfer: Transferable[] = []) => {
        ops.push(message.request?.op ?? "?");
        post(message, transfer);
      }) as typeof this.postMessage;
    }
  };
  return workers;
}

const random = (size: number) => crypto.getRandomValues(new Uint8Array(size));

it("starts two writers by default and opens blobs written together on different ones", async () => {
  const workers = countWorkers();
  const name = `writers-${Date.now()}`;
  const store = await opfsStore(name);
  try {
    expect(workers).toHaveLength(2);
    const blobs = [random(50_000), random(60_000)];
    const descriptors = await Promise.all(blobs.map((b) => describeContent(b)));
    const ingests = await Promise.all(descriptors.map((d) => store.ingest(d)));
    await Promise.all(ingests.map((ingest, i) => ingest.write(blobs[i]!)));
    await Promise.all(ingests.map((ingest) => ingest.commit()));
    // Each worker opened, was written to and committed one of the two.
    for (const ops of workers) expect(ops.filter((op) => op !== "ping")).toEqual(["open", "write", "commit"]);
    for (const d of descriptors) expect(await store.exists(d)).toBe(true);

    // Both free again: the next two go one to each as well.
    const more = await Promise.all([random(1000), random(2000)].map((b) => describeContent(b)));
    const next = await Promise.all(more.map((d) => store.ingest(d)));
    await Promise.all(next.map((ingest) => ingest.abort()));
    for (const ops of workers) expect(ops.filter((op) => op === "open")).toHaveLength(2);
  } finally {
    await store.close();
    await removeStore(name);
  }
});

it("starts as many writers as asked, and refuses a count out of 1 to 8", async () => {
  const workers = countWorkers();
  const name = `writers-one-${Date.now()}`;
  const store = await opfsStore(name, { writers: 1 });
  await store.close();
  await removeStore(name);
  expect(workers).toHaveLength(1);
  for (const writers of [0, 9, 1.5]) {
    const error = await opfsStore(`writers-bad-${Date.now()}`, { writers }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOciError(error) && error.code).toBe("INVALID_ARGUMENT");
  }
  expect(workers).toHaveLength(1);
});
