// Which blobs of many are stored, told by one bounded listing of blobs/<alg>/ instead of a stat of each. A pull asks
// it of every blob of its graph: for 200 blobs, 200 stats, each a call through libuv's thread pool (a hand-off to a
// worker thread and back) costing far more than reading a name of a directory, where a few system calls return
// hundreds of names. Only "absent" is taken from the listing: a name it shows is still stat'ed (its size checked, a
// link or a FIFO refused) before it counts as present. Bounded: past NAMES_PER_BLOB names per blob asked the listing
// stops and the caller stats each blob as before, so a store of many blobs asked about a few costs little more
// than the stats.
import { join } from "node:path";
import { errorCode } from "../fs-api.js";
import type { Layout } from "./layout.js";

/** Names read per blob asked before the listing gives up: reading a name costs a small fraction of a stat. */
const NAMES_PER_BLOB = 16;
/** Fewer blobs than this are stat'ed: the listing's own calls (open, read, close) would cost about as much. */
export const LIST_FROM = 8;
/** Names per read of the directory: one system call (getdents) through the thread pool for a pull's 200 blobs. */
const BATCH = 512;

/**
 * The names in `blobs/<algorithm>/` when there are at most NAMES_PER_BLOB × `asked` of them (none when the directory
 * is absent); undefined past that, when the file system cannot list a batch at a time, or when listing fails.
 */
export async function blobNames(layout: Layout, algorithm: string, asked: number): Promise<Set<string> | undefined> {
  const { fs, paths } = layout;
  if (!fs.opendir || asked < LIST_FROM) return undefined;
  const max = NAMES_PER_BLOB * asked;
  let dir: Awaited<ReturnType<NonNullable<typeof fs.opendir>>>;
  try {
    dir = await fs.opendir(join(paths.blobs, algorithm), { bufferSize: BATCH });
  } catch (error) {
    return errorCode(error) === "ENOENT" ? new Set() : undefined;
  }
  const names = new Set<string>();
  try {
    for (let entry = await dir.read(); entry !== null; entry = await dir.read()) {
      if (names.size >= max) return undefined;
      names.add(entry.name);
    }
    return names;
  } catch {
    return undefined;
  } finally {
    await dir.close().catch(() => {});
  }
}
