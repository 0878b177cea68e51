// @toci/store-memory: a Store kept in Maps. The reference implementation of the Store contract.
export {
  type MemoryBytes,
  type MemoryStore,
  type MemoryStoreOptions,
  type MemoryStoreState,
  memoryState,
  memoryStore,
} from "./memory-store.js";
