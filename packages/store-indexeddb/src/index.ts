// @toci/store-indexeddb: a toci Store in IndexedDB (browsers; fake-indexeddb in Node tests).
export {
  type BlobRecord,
  databaseName,
  type IndexedDbStore,
  type IndexedDbStoreOptions,
  indexedDbStore,
  type PartialRecord,
} from "./indexeddb-store.js";
