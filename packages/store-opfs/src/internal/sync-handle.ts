// The parts of the File System API that TypeScript's DOM library (5.9) does not declare: sync access handles
// (https://fs.spec.whatwg.org/#api-filesystemsyncaccesshandle), which exist in dedicated workers only, and move()
// (implemented by Chromium for OPFS handles; it replaces an existing file of the target name).

/** A file open for synchronous reads and writes, exclusively: a second handle, removal and move() fail meanwhile. */
export interface SyncAccessHandle {
  read(buffer: Uint8Array, options?: { at?: number }): number;
  write(buffer: Uint8Array, options?: { at?: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

/** Opens `file` for synchronous access (dedicated workers only). */
export function openSyncHandle(file: FileSystemFileHandle): Promise<SyncAccessHandle> {
  return (file as unknown as { createSyncAccessHandle(): Promise<SyncAccessHandle> }).createSyncAccessHandle();
}

/** Moves `file` into `dir` under `name`, replacing a file of that name. */
export function moveFile(file: FileSystemFileHandle, dir: FileSystemDirectoryHandle, name: string): Promise<void> {
  return (file as unknown as { move(dir: FileSystemDirectoryHandle, name: string): Promise<void> }).move(dir, name);
}
