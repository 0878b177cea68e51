// Reads of toci's own small files (oci-layout, upload state, blob sources, the lock), checked against a size first:
// a layout is a directory anyone may have written, and a runaway or hostile file must not be loaded whole to learn
// that it is not what it should be.
import type { FsPromises } from "../fs-api.js";

/** The file's bytes, or undefined when it is larger than `max` (not read). Errors (ENOENT, EACCES) propagate. */
export async function readSmall(fs: FsPromises, path: string, max: number): Promise<Uint8Array | undefined> {
  const { size } = await fs.stat(path);
  if (size > max) return undefined;
  return fs.readFile(path);
}
