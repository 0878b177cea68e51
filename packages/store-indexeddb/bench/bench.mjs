// npm run bench: a 256 MiB blob through indexedDbStore() under fake-indexeddb in Node, next to plain node:fs.
// fake-indexeddb keeps everything in memory in JS: these figures say nothing about a browser's IndexedDB (see
// bench-browser/ and the pulls of @toci/store-opfs's bench for Chromium). Run after `npm run build`.
import "fake-indexeddb/auto";
import { indexedDbStore } from "@toci/store-indexeddb";
import { benchStores } from "@toci/testkit/store-bench";

let n = 0;
await benchStores([
  {
    name: "@toci/store-indexeddb (fake-indexeddb, Node)",
    make: async () => {
      const name = `bench-${n++}`;
      const store = await indexedDbStore(name);
      return {
        store,
        dispose: async () => {
          await store.close();
          await new Promise((resolve) => {
            indexedDB.deleteDatabase(`toci-${name}`).onsuccess = resolve;
          });
        },
      };
    },
  },
]);
