// gc(): deletes the blobs no root reaches, the partials no live writer holds, and the sources of blobs that are gone.
// It runs under the index lock, so no root can be added in this process or another while the graph is walked, and
// it keeps, besides what the roots reach: what other live processes lease (leases.ts: a pull names its root last),
// blobs younger than the grace period, and on any doubt everything (reachable() in spec-types says when).
import { join } from "node:path";
import type { Digest } from "@toci/spec-types";
import { withLock } from "../lock.js";
import { isStorable, listBlobs, statBlob } from "./blobs.js";
import { storeOp, unlinkIfPresent } from "./files.js";
import { pinnedRoots, readIndex } from "./index-json.js";
import { type Layout, requireOwnDirectories } from "./layout.js";
import type { Leases } from "./leases.js";
import { isAbandoned, sweepIngest } from "./partials.js";
import { reachableBlobs } from "./reachability.js";
import { compactSourceLog } from "./source-log.js";

/** Collects garbage in `layout`; `leases` are this store's (undefined when read-only). Returns what it removed. */
export async function collectGarbage(layout: Layout, leases: Leases | undefined): Promise<Digest[]> {
  layout.writable();
  const { fs, paths } = layout;
  // Checked before the lock is taken in ingest/, and again (listBlobs) once it is held.
  await storeOp("cannot collect garbage", () => requireOwnDirectories(fs, paths));
  return withLock(fs, paths.lock, layout.lock, async () => {
    const started = Date.now();
    const candidates = await storeOp("cannot list blobs", () => listBlobs(layout));
    const file = await readIndex(layout);
    const keep = await reachableBlobs(layout, [...file.roots, ...(await pinnedRoots(layout, file))], candidates);
    // Read after the candidates were listed: a blob leased later was not there to be listed (leases.ts).
    const leased = leases ? await leases.heldByOthers(Date.now()) : new Set<string>();
    const removed: Digest[] = [];
    for (const blob of candidates) {
      if (keep.has(blob.digest) || leased.has(blob.digest) || started - blob.mtimeMs < layout.gcGracePeriod) continue;
      await storeOp(`cannot remove blob ${blob.digest}`, () => unlinkIfPresent(fs, blob.path));
      removed.push(blob.digest);
    }
    for (const digest of await sweepIngest(fs, paths.ingest)) if (!removed.includes(digest)) removed.push(digest);
    await collectSources(layout);
    return removed;
  });
}

/**
 * Drops the sources of blobs that are gone: an earlier toci's files of them, and their records in the log (a
 * compaction, which also drops duplicates); and the files of compactions whose process died before it finished.
 */
async function collectSources(layout: Layout): Promise<void> {
  const { fs, paths } = layout;
  for (const name of await fs.readdir(paths.sources).catch(() => [] as string[])) {
    const path = join(paths.sources, name);
    const tag = /^tmp\.(.+)$/.exec(name)?.[1];
    if (tag !== undefined) {
      const stats = await fs.lstat(path).catch(() => undefined);
      if (stats && isAbandoned(path, tag, stats.mtimeMs)) await unlinkIfPresent(fs, path).catch(() => {});
      continue;
    }
    const digest = name.replace("-", ":");
    if (isStorable(digest) && !(await statBlob(layout, digest))) {
      await storeOp("cannot remove sources", () => unlinkIfPresent(fs, path));
    }
  }
  // Records are hints: a log that cannot be compacted is left as it is.
  await compactSourceLog(layout).catch(() => {});
}
