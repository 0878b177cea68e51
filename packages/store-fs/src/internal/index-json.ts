// index.json, read and replaced: its roots for list, resolve and gc, and every read-modify-write under the index
// lock (lock.ts), replacing the file atomically (write-temp, fsync, rename). What the file may hold and how bad
// entries are kept: index-file.ts.
import { type Descriptor, manifestDescriptor, OciError } from "@toci/spec-types";
import { type IndexFile, parseIndexFile, serializeIndex, skippedWarning } from "../index-file.js";
import { withLock } from "../lock.js";
import { readBlob, statBlob, syncBlobNames } from "./blobs.js";
import { replaceFile, storeOp } from "./files.js";
import { type Layout, requireOwnIngest } from "./layout.js";
import { readSmall } from "./read-small.js";

/** index.json can list thousands of roots; far more than a registry manifest's 4 MiB is still refused. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;
/** The largest blob read to describe a skipped entry's manifest (distribution-spec's manifest size). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** index.json: its roots (valid entries) and everything else it holds, kept for a rewrite (index-file.ts). */
export async function readIndex(layout: Layout): Promise<IndexFile> {
  const { index } = layout.paths;
  // Refused before it is read: a hostile index.json of gigabytes must not be loaded to learn it is too big.
  const bytes = await storeOp(`cannot read ${index}`, () => readSmall(layout.fs, index, MAX_INDEX_BYTES));
  if (!bytes) {
    throw new OciError("STORE", `${index} is not a valid image index: over the ${MAX_INDEX_BYTES}-byte cap`, {
      detail: { file: index },
    });
  }
  const file = parseIndexFile(bytes, index, MAX_INDEX_BYTES);
  if (file.skipped.length > 0) layout.warn(skippedWarning(index, file.skipped));
  return file;
}

/** What a change to the roots returns: the new roots (the same array when nothing changed) and a result. */
export interface RootsChange<T> {
  roots: Descriptor[];
  result: T;
}

/** Read-modify-write of index.json under the lock; the new file replaces the old one atomically. */
export async function updateIndex<T>(layout: Layout, change: (roots: Descriptor[]) => RootsChange<T>): Promise<T> {
  const { fs, paths } = layout;
  await storeOp(`cannot write ${paths.index}`, () => requireOwnIngest(layout)); // where the lock and the temp go
  return withLock(fs, paths.lock, layout.lock, async () => {
    const file = await readIndex(layout);
    const { roots: next, result } = change(file.roots);
    if (next !== file.roots) {
      const text = serializeIndex(file, next);
      // The blobs a new root reaches were renamed into place without a directory sync: durable before it is (the
      // directory sync runs while the new index.json is written and synced, and both end before its rename).
      const alongside = () => syncBlobNames(layout);
      await storeOp(`cannot write ${paths.index}`, () =>
        replaceFile(fs, paths.index, text, { tmpDir: paths.ingest, alongside }),
      );
    }
    return result;
  });
}

/**
 * The roots gc keeps besides the valid ones: a blob that a skipped entry names by a valid digest, described by its
 * own bytes (the entry's size or media type may be what is wrong), so that its graph is kept too.
 */
export async function pinnedRoots(layout: Layout, file: IndexFile): Promise<Descriptor[]> {
  const out: Descriptor[] = [];
  for (const { digest } of file.skipped) {
    if (digest === undefined) continue;
    const stats = await statBlob(layout, digest);
    const bytes = stats && (await readBlob(layout, digest, MAX_MANIFEST_BYTES)); // undefined over the cap
    const manifest = bytes && manifestDescriptor(digest, bytes);
    out.push(manifest ?? { mediaType: "application/octet-stream", digest, size: stats?.size ?? 0 });
  }
  return out;
}
