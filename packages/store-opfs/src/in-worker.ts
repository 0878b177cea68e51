// @toci/store-opfs/in-worker: the OPFS store for code that runs in a dedicated worker (an app's own pull worker).
// There sync access handles open in the same thread, so the store writes, hashes and commits right where the
// client reads the responses: no second worker, no message per buffer. The same Store, layout and locks as
// `opfsStore` of the package's main entry, which a page uses (and which, in a worker, starts a nested worker).
import { OciError } from "@toci/spec-types";
import { rootName } from "./internal/layout.js";
import { localChannel } from "./internal/rpc.js";
import { writerServer } from "./internal/serve.js";
import { type OpfsStore, type OpfsStoreOptions, openStore } from "./opfs-store.js";

export type { OpfsStore, OpfsStoreOptions } from "./opfs-store.js";

/**
 * Opens (creating when absent) the OPFS store called `name` (directory `toci-<name>`, shared with `opfsStore` of
 * the main entry and with other tabs), writing in this dedicated worker. `workerUrl` and `writers` are not used. Fails with `STORE`
 * outside a dedicated worker (no `FileSystemSyncAccessHandle` there).
 */
export function opfsStore(name: string, options: OpfsStoreOptions = {}): Promise<OpfsStore> {
  return openStore(
    name,
    options,
    async () => {
      if (typeof (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle !== "function") {
        throw new OciError(
          "STORE",
          "@toci/store-opfs/in-worker writes through sync access handles: a dedicated worker only",
        );
      }
      return localChannel(writerServer(), rootName(name));
    },
    1,
  );
}
