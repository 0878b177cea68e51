import "fake-indexeddb/auto";
import type { SpaceEstimator, Store } from "@toci/spec-types";
import { describeStore } from "@toci/testkit/store-suite";
import { expectTypeOf, it } from "vitest";
import type { indexedDbStore } from "../src/index.js";
import { capabilities, idbUnderTest } from "./suite-setup.js";

it("builds a Store that estimates its room (checked when the tests are type-checked)", () => {
  expectTypeOf<Awaited<ReturnType<typeof indexedDbStore>>>().toExtend<Store & SpaceEstimator>();
});

describeStore("indexeddb (fake-indexeddb, 16 MiB chunks)", idbUnderTest("node"), capabilities);
// Small chunks make every case cross chunk boundaries (resume, corruption, concurrent writers).
describeStore("indexeddb (fake-indexeddb, 1 KiB chunks)", idbUnderTest("node-small", 1024), {
  ...capabilities,
  largeBlobBytes: 0,
});
