import * as nodeFs from "node:fs/promises";
import { describeStore } from "@toci/testkit/store-suite";
import type { FsPromises } from "../src/index.js";
import { layoutUnderTest, memfs, tempDir } from "./helpers.js";

const capabilities = { reopen: true, corruptPartial: true, corruptBlob: true, uploadState: true, sources: true };

describeStore(
  "fs on a real temp dir",
  async () => {
    const { dir, dispose } = await tempDir();
    return layoutUnderTest(`${dir}/layout`, nodeFs as unknown as FsPromises, dispose);
  },
  capabilities,
);

describeStore("fs on memfs", async () => layoutUnderTest("/layout", memfs()), capabilities);
