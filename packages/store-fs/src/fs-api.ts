// The part of node:fs/promises the layout store uses. Typed here, loosely, so that any implementation with this
// shape can be passed in: node:fs/promises by default, memfs's `vol.promises` in tests (for fault injection).

/** An open file, as node:fs/promises FileHandle. */
export interface FsFileHandle {
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesWritten: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>;
  sync(): Promise<void>;
  /** fdatasync(2), where the implementation has it (the store falls back to sync()). */
  datasync?(): Promise<void>;
  /** fstat(2): what the open file is, whatever its name points at now. */
  stat(): Promise<FsStats>;
  close(): Promise<void>;
}

/** An open directory, as node:fs/promises Dir: its entries one by one, read from the system a batch at a time. */
export interface FsDir {
  /** The next entry; null at the end. */
  read(): Promise<{ name: string } | null>;
  close(): Promise<void>;
}

/** File metadata, as node:fs Stats. */
export interface FsStats {
  size: number;
  mtimeMs: number;
  /** The inode number; with ctimeMs, what tells a blob file made here from one shipped in (internal/sources.ts). */
  ino?: number;
  /** The last status change, set by the kernel (not by tar or touch). */
  ctimeMs?: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** The file system calls the store makes. */
export interface FsPromises {
  /** `flags` as node:fs takes them: a string (`"r"`, `"wx"`) or a number of `fs.constants` (O_NOFOLLOW...). */
  open(path: string, flags: string | number, mode?: number): Promise<FsFileHandle>;
  readFile(path: string): Promise<Uint8Array>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, target: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  readdir(path: string): Promise<string[]>;
  /**
   * Opens a directory to read its entries a batch at a time (`bufferSize` entries per system call), where the
   * implementation can: a listing that may stop early (internal/blob-listing.ts). Without it, blobs are stat'ed.
   */
  opendir?(path: string, options: { bufferSize: number }): Promise<FsDir>;
  stat(path: string): Promise<FsStats>;
  /** stat without following a symbolic link: how the layout tells its own files from links planted in it. */
  lstat(path: string): Promise<FsStats>;
}

/** The `code` of a Node system error (ENOENT, EEXIST, ENOSPC, ...), if it is one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
