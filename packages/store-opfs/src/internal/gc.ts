// gc(): under the index lock (no root can be added meanwhile, in any tab), every blob no root reaches goes unless
// another tab leased it (a pull there has not named its root yet); then every partial no live writer holds (its
// Web Lock is free: taken here for the removal, so that no writer claims it meanwhile), and the sources of blobs
// that are gone.
import { type Digest, heldWebLocks, type Leases, reachable, tryWebLock } from "@toci/spec-types";
import { listBlobs, readSmallBlob, removeBlobFile } from "./blobs.js";
import { holdIndex, listRoots } from "./index-json.js";
import { blobFile, isLocked, type Layout, partialDigest, removeIfPresent } from "./layout.js";
import { writerLock } from "./locks.js";
import { sourceFiles } from "./uploads.js";

export function collectGarbage(layout: Layout, leases: Leases): Promise<Digest[]> {
  return holdIndex(layout, async () => {
    const candidates = await listBlobs(layout);
    const keep = await reachable(await listRoots(layout), (d) => readSmallBlob(layout, d.digest), candidates);
    // Read after the blobs were listed: a blob leased later was not there to be listed.
    const leased = leases.heldByOthers(await heldWebLocks());
    const removed: Digest[] = [];
    for (const { digest } of candidates) {
      if (keep.has(digest) || leased.has(digest)) continue;
      if (await removeBlobFile(layout, digest)) removed.push(digest);
    }
    for (const digest of await sweepPartials(layout)) if (!removed.includes(digest)) removed.push(digest);
    for (const { dir, name, digest } of await sourceFiles(layout)) {
      if (!(await blobFile(layout, digest))) await removeIfPresent(dir, name);
    }
    return removed;
  });
}

/** Removes every partial whose writer's lock is free; resolves the digests whose partials went. */
async function sweepPartials(layout: Layout): Promise<Digest[]> {
  const swept: Digest[] = [];
  const names: string[] = [];
  for await (const [name, handle] of layout.ingest.entries()) if (handle.kind === "file") names.push(name);
  for (const name of names) {
    const digest = partialDigest(name);
    if (!digest) continue;
    const release = await tryWebLock(writerLock(layout.name, name));
    if (!release) continue; // a live writer's
    try {
      if (await removeIfPresent(layout.ingest, name)) swept.push(digest);
    } catch (error) {
      if (!isLocked(error)) throw error; // held by a sync access handle: alive after all
    } finally {
      release();
    }
  }
  return swept;
}
