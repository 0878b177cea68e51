import "fake-indexeddb/auto";
import { describeStore } from "@toci/testkit/store-suite";
import { capabilities, idbUnderTest } from "./suite-setup.js";

describeStore("indexeddb (fake-indexeddb, 16 MiB chunks)", idbUnderTest("node"), capabilities);
// Small chunks make every case cross chunk boundaries (resume, corruption, concurrent writers).
describeStore("indexeddb (fake-indexeddb, 1 KiB chunks)", idbUnderTest("node-small", 1024), {
  ...capabilities,
  largeBlobBytes: 0,
});
