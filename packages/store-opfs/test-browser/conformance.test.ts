// The one conformance suite, on the Origin Private File System in real Chromium: sync access handles in the
// store's own worker, Web Locks across realms, hash-wasm.
import { describeStore } from "@toci/testkit/store-suite";
import { expect, it } from "vitest";
import { capabilities, opfsUnderTest } from "./suite-setup.js";

it("runs in a real browser with OPFS, workers and Web Locks", async () => {
  expect(typeof window).toBe("object");
  expect(typeof (await navigator.storage.getDirectory()).getDirectoryHandle).toBe("function");
  expect(typeof Worker).toBe("function");
  expect(typeof navigator.locks?.request).toBe("function");
});

describeStore("opfs (Chromium)", opfsUnderTest("suite"), capabilities);
