// Caps on what an archive may make toci read: tar entries, layer streams and archives come from strangers, and a
// few kilobytes of gzip or zstd can claim terabytes (docs/architecture.md §4 item 5: never trust a declared size).

/**
 * Caps applied while reading a tar (a layer, an archive, an oras directory). Every cap is refused with `TOO_LARGE`
 * as soon as it is crossed, before the bytes past it are read.
 */
export interface ArchiveLimits {
  /**
   * The largest entry (one file's content), in bytes.
   * @default 68719476736 (64 GiB: above any file real images carry, model weights included)
   */
  maxEntryBytes?: number;
  /**
   * The most bytes of tar (after decompression) read from one stream, headers and padding included.
   * @default 274877906944 (256 GiB)
   */
  maxTotalBytes?: number;
  /**
   * The most entries in one tar (every entry's name is kept while a filesystem is merged or checked).
   * @default 1000000
   */
  maxEntries?: number;
  /**
   * The largest expansion of a compressed stream: decompressed bytes ÷ compressed bytes, checked once more than
   * 64 MiB came out. Deflate cannot pass 1032:1, so any gzip layer passes; what is refused is a zstd stream (or
   * an archive inside) that expands beyond what deflate ever could.
   * @default 1100
   */
  maxRatio?: number;
  /**
   * The largest zstd window accepted (the memory a decoder must hold), in bytes: zstd's own default decoder
   * limit (windowLog 27). Frames asking for more are refused before anything is allocated.
   * @default 134217728 (128 MiB)
   */
  maxWindowBytes?: number;
}

/** {@link ArchiveLimits} with every default applied. */
export type Limits = Required<ArchiveLimits>;

const GiB = 1024 ** 3;

/** Applies the defaults of {@link ArchiveLimits} once, at the entry of an operation. */
export function limitsOf(options: ArchiveLimits = {}): Limits {
  return {
    maxEntryBytes: options.maxEntryBytes ?? 64 * GiB,
    maxTotalBytes: options.maxTotalBytes ?? 256 * GiB,
    maxEntries: options.maxEntries ?? 1_000_000,
    maxRatio: options.maxRatio ?? 1100,
    maxWindowBytes: options.maxWindowBytes ?? 128 * 1024 * 1024,
  };
}
