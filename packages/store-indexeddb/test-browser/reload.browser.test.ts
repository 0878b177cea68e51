// A partial ingest survives the death of the page that wrote it (here a worker, terminated mid-pull) and is
// resumed from what was stored, re-hashed; while the writer lives, its partial is not taken from it.
import { describe as describeContent } from "@toci/spec-types";
import { describeBytes, pattern } from "@toci/testkit/store-suite";
import { expect, it } from "vitest";
import { databaseName, indexedDbStore } from "../src/index.js";

it("resumes the partial of a writer that died without closing", async () => {
  const name = `reload-${Date.now()}`;
  const chunkSize = 256 * 1024;
  const size = 3 * 1024 * 1024;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of pattern(size, 21)) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  const d = await describeBytes(bytes);
  const worker = new Worker(new URL("./writer.worker.ts", import.meta.url), { type: "module" });
  const written = new Promise<{ offset: number }>((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
  });
  worker.postMessage({ name, descriptor: d, bytes, upTo: 2 * 1024 * 1024 + 1000, chunkSize });
  expect((await written).offset).toBe(2 * 1024 * 1024 + 1000);

  const store = await indexedDbStore(name, { chunkSize });
  // The writer is alive and holds its Web Lock: its partial is not claimed.
  const meanwhile = await store.ingest(d);
  expect(meanwhile.offset).toBe(0);
  await meanwhile.abort();

  worker.terminate();
  let offset = 0;
  for (let tries = 0; tries < 100 && offset === 0; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100)); // the browser releases the lock asynchronously
    const probe = await store.ingest(d);
    offset = probe.offset;
    if (offset === 0) await probe.abort();
    else {
      // Whole chunks were stored; the bytes still buffered in the dead writer are gone.
      expect(offset).toBe(2 * 1024 * 1024);
      await probe.write(bytes.subarray(offset));
      await probe.commit();
    }
  }
  expect(offset).toBe(2 * 1024 * 1024);
  expect(await describeContent(await store.fetch(d))).toMatchObject({ digest: d.digest, size });
  await store.close();
  indexedDB.deleteDatabase(databaseName(name));
});
