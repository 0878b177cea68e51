// @toci/store-indexeddb: a toci Store in IndexedDB (browsers; fake-indexeddb in Node tests).
export {
  databaseName,
  type IndexedDbStore,
  type IndexedDbStoreOptions,
  indexedDbStore,
} from "./indexeddb-store.js";
export type { BlobRecord, PartialRecord } from "./records.js";
export type { WorkerIngests, WriterWorker } from "./writer-worker.js";
