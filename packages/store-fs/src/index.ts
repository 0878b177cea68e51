// @toci/store-fs: a toci Store that is an OCI image layout on disk (Node). node:fs/promises by default; any
// implementation of the same shape (memfs in tests) can be passed in.
export type { FsFileHandle, FsPromises, FsStats } from "./fs-api.js";
export { type FsStore, type FsStoreOptions, fsStore } from "./fs-store.js";
export type { IndexEntriesSkippedWarning, SkippedIndexEntry } from "./index-file.js";
export type { FsStoreWarning, GcKeptWarning } from "./warnings.js";
