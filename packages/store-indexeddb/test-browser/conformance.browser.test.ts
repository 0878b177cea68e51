// The same conformance suite, in real Chromium: IndexedDB with Blob values on disk, Web Locks, hash-wasm.
import { describeStore } from "@toci/testkit/store-suite";
import { expect, it } from "vitest";
import { capabilities, idbUnderTest } from "../test/suite-setup.js";

it("runs in a real browser, not under fake-indexeddb", () => {
  expect(typeof window).toBe("object");
  expect(indexedDB).toBeInstanceOf(IDBFactory);
  expect(typeof navigator.locks?.request).toBe("function");
});

describeStore("indexeddb (Chromium, 16 MiB chunks)", idbUnderTest("chromium"), capabilities);
describeStore("indexeddb (Chromium, 1 KiB chunks)", idbUnderTest("chromium-small", 1024), {
  ...capabilities,
  largeBlobBytes: 0,
});
