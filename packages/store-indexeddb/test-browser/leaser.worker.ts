// Another tab in the middle of a pull: it commits one blob and finds another present, names no root, and waits
// (its Web Locks, the leases, held until the browser ends it: here terminate(), as a closed tab).
import { indexedDbStore } from "../src/index.js";

self.onmessage = async (event: MessageEvent) => {
  const { name, committed, bytes, present, leaseTtl } = event.data;
  const store = await indexedDbStore(name, { leaseTtl });
  const ingest = await store.ingest(committed);
  await ingest.write(bytes);
  await ingest.commit();
  self.postMessage({ present: await store.exists(present) });
};
