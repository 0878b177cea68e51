// npm run bench: a 256 MiB blob through memoryStore(), next to plain node:fs. Run after `npm run build`.
import { memoryStore } from "@toci/store-memory";
import { benchStores } from "@toci/testkit/store-bench";

await benchStores([{ name: "@toci/store-memory", make: async () => ({ store: memoryStore() }) }]);
