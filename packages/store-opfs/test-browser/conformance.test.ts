// The one conformance suite, on the Origin Private File System in real Chromium: sync access handles in the
// store's own worker, Web Locks across realms, hash-wasm.
import type {
  AbilityKeeper,
  ClosableStore,
  SourceRecorder,
  SpaceEstimator,
  Store,
  UploadStateKeeper,
} from "@toci/spec-types";
import { describeStore } from "@toci/testkit/store-suite";
import { expect, expectTypeOf, it } from "vitest";
import type { opfsStore } from "../dist/index.js";
import { capabilities, opfsUnderTest } from "./suite-setup.js";

it("runs in a real browser with OPFS, workers and Web Locks", async () => {
  expect(typeof window).toBe("object");
  expect(typeof (await navigator.storage.getDirectory()).getDirectoryHandle).toBe("function");
  expect(typeof Worker).toBe("function");
  expect(typeof navigator.locks?.request).toBe("function");
});

it("builds a Store with the abilities it claims (checked when the tests are type-checked)", () => {
  expectTypeOf<Awaited<ReturnType<typeof opfsStore>>>().toExtend<
    Store & ClosableStore & UploadStateKeeper & SourceRecorder & SpaceEstimator & AbilityKeeper
  >();
  expectTypeOf<Omit<Awaited<ReturnType<typeof opfsStore>>, "estimateSpace">>().not.toExtend<SpaceEstimator>();
});

describeStore("opfs (Chromium)", opfsUnderTest("suite"), capabilities);
