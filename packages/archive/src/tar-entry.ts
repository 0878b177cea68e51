// One entry of a tar, as the readers here hand it out.

/**
 * What an entry is. Unknown typeflags are read as `file`, as POSIX ustar says ("shall be extracted as if it were a
 * regular file"); GNU sparse files and multi-volume parts are refused with `UNSUPPORTED`.
 */
export type EntryType = "file" | "directory" | "symlink" | "link" | "char" | "block" | "fifo";

/** An entry's header, with PAX and GNU long names and sizes applied. */
export interface EntryHeader {
  /** The name, as the archive gives it (`./a/b`, `a/dir/`): readers that merge or extract clean it up. */
  path: string;
  type: EntryType;
  /** Bytes of content: 0 for anything but a file. */
  size: number;
  /** Permission bits as stored, setuid, setgid and sticky included (0o7777 at most). */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time, in seconds since the epoch. */
  mtime: number;
  /** Where a symlink points, or the entry a hard link repeats. Only for `symlink` and `link`. */
  linkTarget?: string;
}

/** A tar entry and its content. */
export interface TarEntry extends EntryHeader {
  /**
   * The content, read once. It is available until the iteration moves to the next entry; what was not read is
   * skipped then. A second call throws `INVALID_ARGUMENT`.
   */
  stream(): ReadableStream<Uint8Array>;
  /**
   * The whole content in one buffer, refused with `TOO_LARGE` past `maxBytes` (for small files: configs,
   * manifests).
   * @param maxBytes default 4 MiB
   */
  bytes(maxBytes?: number): Promise<Uint8Array>;
}
