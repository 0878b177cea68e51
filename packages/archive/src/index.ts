// @toci/archive: tar in and out of a toci Store: the entries of a layer, the merged filesystem of an image and one
// file of it, OCI and docker archives out and in, the oras directory format, and the checks for writing a
// stranger's tar to disk. Runtime-neutral (Web streams, CompressionStream); depends on @toci/spec-types only, and
// on fzstd, loaded when a zstd stream is met. Every public name is listed here; nothing under src/internal/ is.
// Not exported, on purpose: the tar reader and writer themselves (layerFiles reads any tar; exportArchive and
// packDirectory write the two kinds toci needs), so that their shape can change.

export { type Compression, compressionOf, decompress } from "./decompress.js";
export {
  type ExportArchiveOptions,
  exportArchive,
} from "./export-archive.js";
export { type ImageFile, type ImageFileOptions, imageFile } from "./image-file.js";
export { type ImageEntry, type ImageFilesOptions, imageFiles } from "./image-files.js";
export { type ImageManifest, imageManifest, type PlatformChoice } from "./image-root.js";
export { type ImportArchiveOptions, importArchive } from "./import-archive.js";
export { type LayerFilesOptions, layerFiles } from "./layer-files.js";
export type { ArchiveLimits } from "./limits.js";
export {
  ANNOTATION_ORAS_DIGEST,
  ANNOTATION_ORAS_UNPACK,
  type DirectoryEntry,
  isOrasDirectory,
  type PackDirectoryOptions,
  type PackedDirectory,
  packDirectory,
  type UnpackDirectoryOptions,
  type UnpackedEntry,
  unpackDirectory,
} from "./oras-directory.js";
export { type EntryGuardOptions, entryGuard, type SafeEntry, safePath } from "./safe-path.js";
export type { EntryHeader, EntryType, TarEntry } from "./tar-entry.js";
export type { TarWriteEntry } from "./tar-writer.js";
