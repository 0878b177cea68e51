// A large blob streams into and out of IndexedDB without being held whole: the JS heap (which counts ArrayBuffer
// memory in Chromium) grows by about one chunk, not by the blob's size.

import { describePattern, pattern } from "@toci/testkit/store-suite";
import { expect, it } from "vitest";
import { databaseName, indexedDbStore } from "../src/index.js";

const MiB = 1024 * 1024;

/** Live JS heap after a full collection (the browser runs with --js-flags=--expose-gc). */
function heap(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize;
}

it("writes and reads 256 MiB with a heap that grows far less than the blob", async () => {
  const size = 256 * MiB;
  const d = await describePattern(size, 31);
  const name = `memory-${Date.now()}`;
  const store = await indexedDbStore(name);
  const base = heap();
  let peak = base;
  const ingest = await store.ingest(d);
  let written = 0;
  for (const chunk of pattern(size, 31)) {
    await ingest.write(chunk);
    written += chunk.byteLength;
    if (written % (32 * MiB) === 16 * MiB - MiB) peak = Math.max(peak, heap()); // mid-chunk: the buffer is full-ish
  }
  await ingest.commit();
  const writePeak = peak;
  const reader = (await store.fetch(d)).getReader();
  let seen = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen += value.byteLength;
    if (seen % (32 * MiB) === 0) peak = Math.max(peak, heap());
  }
  expect(seen).toBe(size);
  const mib = (n: number) => ((n - base) / MiB).toFixed(0);
  console.log(`JS heap grew by at most ${mib(writePeak)} MiB writing, ${mib(peak)} MiB overall, for ${size / MiB} MiB`);
  expect(typeof (globalThis as { gc?: unknown }).gc).toBe("function");
  // A few 16 MiB chunks at most (the writer's buffer; on reading, the chunk being read, the verifier's queue and the
  // consumer's), whatever the blob size: never the blob.
  expect(peak - base).toBeLessThan(5 * 16 * MiB);
  await store.close();
  indexedDB.deleteDatabase(databaseName(name));
}, 120_000);
