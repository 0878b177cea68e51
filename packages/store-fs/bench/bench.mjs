// npm run bench: a 256 MiB blob through fsStore() on disk (fsync before the rename included) and on memfs, next to
// plain node:fs. Run after `npm run build`.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsStore } from "@toci/store-fs";
import { benchStores } from "@toci/testkit/store-bench";
import { Volume } from "memfs";

await benchStores([
  {
    name: "@toci/store-fs on disk (fsync, rename)",
    make: async () => {
      const dir = await mkdtemp(join(tmpdir(), "toci-bench-layout-"));
      return { store: await fsStore(dir), dispose: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: "@toci/store-fs on memfs",
    make: async () => ({ store: await fsStore("/layout", { fs: new Volume().promises }) }),
  },
]);
