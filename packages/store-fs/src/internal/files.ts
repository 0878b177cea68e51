// Small file operations the layout store repeats: atomic replacement, create-once, removal that tolerates absence,
// and the translation of file system errors into `STORE`.
import { constants } from "node:fs";
import { join } from "node:path";
import { toOciError } from "@toci/spec-types";
import { errorCode, type FsPromises } from "../fs-api.js";
import { syncDir } from "./dir-sync.js";
import { newWriterTag } from "./liveness.js";

/** open(2) flags to append to a file, creating it, and never through a symbolic link planted under its name. */
export const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);

/** Runs `fn`; anything it throws becomes an OciError (`STORE` unless it already is one) saying `what` failed. */
export async function storeOp<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toOciError(error, "STORE", what);
  }
}

/** A temp file name in `dir` that no other writer uses, and that names this process (see liveness.ts). */
export function tempPath(dir: string): string {
  return join(dir, `tmp.${newWriterTag()}`);
}

/** Where {@link replaceFile} writes, and what must be done before its rename. */
export interface ReplaceOptions {
  /** The directory of the temp file (on the same file system as the file). */
  tmpDir: string;
  /**
   * Work that must be done before the new file takes the name, run while the temp file is written and synced (e.g.
   * the directory sync that makes the blobs index.json reaches durable): two syncs at once, not one after another.
   */
  alongside?: () => Promise<void>;
}

/** Writes `text` to a temp file, fsyncs it and renames it over `path`: readers see old or new. */
export async function replaceFile(fs: FsPromises, path: string, text: string, options: ReplaceOptions): Promise<void> {
  const tmp = tempPath(options.tmpDir);
  try {
    // allSettled, not all: a failure of one must not leave the other writing a temp file after the cleanup below.
    const done = await Promise.allSettled([writeSynced(fs, tmp, text), options.alongside?.()]);
    for (const outcome of done) if (outcome.status === "rejected") throw outcome.reason;
    await fs.rename(tmp, path);
  } catch (error) {
    await unlinkIfPresent(fs, tmp).catch(() => {});
    throw error;
  }
  await syncDir(fs, join(path, ".."));
}

/**
 * Creates `path` with `text` unless something is there (whatever it is: a symlink or a FIFO planted there is
 * refused when it is read, never replaced); link() refuses an existing name, so two creators cannot both win.
 */
export async function createOnce(fs: FsPromises, path: string, text: string, tmpDir: string): Promise<void> {
  try {
    await fs.lstat(path);
    return;
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
  const tmp = tempPath(tmpDir);
  await writeSynced(fs, tmp, text);
  try {
    await fs.link(tmp, path);
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error; // another process created it first
  } finally {
    await unlinkIfPresent(fs, tmp);
  }
}

/** Creates `path` (it must not exist) holding `text`, fsync'd. */
export async function writeSynced(fs: FsPromises, path: string, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  const handle = await fs.open(path, "wx");
  try {
    let at = 0;
    while (at < bytes.length) at += (await handle.write(bytes, at, bytes.length - at, at)).bytesWritten;
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes `path`; absent already is fine. */
export async function unlinkIfPresent(fs: FsPromises, path: string): Promise<void> {
  try {
    await fs.unlink(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}

/** The JSON object in `bytes`, or undefined when they are not one. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
