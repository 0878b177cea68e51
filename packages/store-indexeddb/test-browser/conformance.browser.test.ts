// The same conformance suite, in real Chromium: IndexedDB with Blob values on disk, Web Locks, hash-wasm.
import { describeStore } from "@toci/testkit/store-suite";
import { expect, it } from "vitest";
import { capabilities, idbUnderTest } from "../test/suite-setup.js";

it("runs in a real browser, not under fake-indexeddb", () => {
  expect(typeof window).toBe("object");
  expect(indexedDB).toBeInstanceOf(IDBFactory);
  expect(typeof navigator.locks?.request).toBe("function");
});

// Ingests in the writer worker here (the script as vite serves a worker module), on the page in the last run.
const workerUrl = new URL("../src/worker.ts?worker_file&type=module", import.meta.url);
describeStore(
  "indexeddb (Chromium, 64 MiB segments, writer worker)",
  idbUnderTest("chromium", undefined, workerUrl),
  { ...capabilities, bodyWriter: true }, // the writer worker's ingests take bodies whole
);
// The worker again with 1 MiB segments, smaller than the 2 MiB buffers the page sends it: a buffer spans segments, and
// a body cut midway leaves whole segments stored.
describeStore(
  "indexeddb (Chromium, 1 MiB segments, writer worker)",
  idbUnderTest("chromium-1m", 1024 * 1024, workerUrl),
  {
    ...capabilities,
    bodyWriter: true,
    largeBlobBytes: 0,
  },
);
describeStore("indexeddb (Chromium, 1 KiB chunks, on the page)", idbUnderTest("chromium-small", 1024), {
  ...capabilities,
  largeBlobBytes: 0,
});
