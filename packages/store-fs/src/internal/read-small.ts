// Reads of the layout's files by name: index.json, oci-layout, upload states, blob sources, the lock, leases, and
// blobs. A layout is a directory anyone may have written, so a name may hold a symbolic link (to /dev/zero, to a
// file outside the layout), a FIFO (whose open blocks until a writer comes, which hung every command) or a device.
// Every such file is opened with O_NOFOLLOW (a link is refused, never followed) and O_NONBLOCK (a FIFO opens at
// once), then checked with fstat on the open file: anything but a regular file is refused with STORE. Sizes are
// checked on that same open file, before anything is read, so a runaway or hostile file is never loaded whole.
import { constants } from "node:fs";
import { OciError } from "@toci/spec-types";
import { errorCode, type FsFileHandle, type FsPromises, type FsStats } from "../fs-api.js";

/** open(2) flags for reading a layout file: no link followed, no wait for a FIFO's writer. 0 where undefined. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Opens `path` for reading when it is a regular file; throws STORE naming it when it is a link or not a regular
 * file. File system errors (ENOENT, EACCES) propagate as they are.
 */
export async function openRegular(
  fs: FsPromises,
  path: string,
): Promise<{ handle: FsFileHandle; size: number; stats: FsStats }> {
  let handle: FsFileHandle;
  try {
    handle = await fs.open(path, READ_FLAGS);
  } catch (error) {
    // ELOOP: the name is a symbolic link (O_NOFOLLOW). Some systems say EMLINK or EFTYPE instead.
    if (["ELOOP", "EMLINK", "EFTYPE"].includes(errorCode(error) ?? "")) throw notRegular(path, "a symbolic link");
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notRegular(path, stats.isDirectory() ? "a directory" : "not a regular file");
    return { handle, size: stats.size, stats };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}

/**
 * The bytes of the regular file at `path`, or undefined when it is larger than `max` (not read). Throws STORE for a
 * link or a file that is not regular; other errors (ENOENT, EACCES) propagate.
 */
export async function readSmall(fs: FsPromises, path: string, max: number): Promise<Uint8Array | undefined> {
  const { handle, size } = await openRegular(fs, path);
  try {
    if (size > max) return undefined;
    // Read to the end, one byte past `max` at most: a file that grows between fstat and read is still capped.
    let out = new Uint8Array(Math.min(size, max) + 1);
    let length = 0;
    for (;;) {
      if (length === out.length) {
        if (out.length > max) return undefined;
        const grown = new Uint8Array(Math.min(out.length * 2, max + 1));
        grown.set(out);
        out = grown;
      }
      const { bytesRead } = await handle.read(out, length, out.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return length > max ? undefined : out.subarray(0, length);
  } finally {
    await handle.close().catch(() => {});
  }
}

function notRegular(path: string, what: string): OciError {
  return new OciError("STORE", `${path} is ${what}; the layout reads only regular files`, { detail: { file: path } });
}
