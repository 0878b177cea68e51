// A worker that writes part of a blob into IndexedDB and then waits, never closing its ingest: terminating it is
// what a page reload or a closed tab does to a pull (no close(), no cleanup, its Web Lock released by the browser).
import { indexedDbStore } from "../src/index.js";

self.onmessage = async (event: MessageEvent) => {
  const { name, descriptor, bytes, upTo, chunkSize } = event.data;
  const store = await indexedDbStore(name, { chunkSize });
  const ingest = await store.ingest(descriptor);
  for (let at = 0; at < upTo; at += 64 * 1024) await ingest.write(bytes.subarray(at, Math.min(at + 64 * 1024, upTo)));
  self.postMessage({ offset: ingest.offset });
};
