// What gc keeps: the blobs the roots reach, walked by reachable() in spec-types, read from the layout; and, on any
// doubt, more: what a manifest the strict parser refuses names, or everything (reachable() says when). gc says what
// it kept so, through onWarning (GC_KEPT).
import { type Descriptor, type Digest, type ReachabilityDoubt, reachable } from "@toci/spec-types";
import { gcKeptWarning } from "../warnings.js";
import { readBlob, type StoredBlob } from "./blobs.js";
import type { Layout } from "./layout.js";

/**
 * The largest manifest read for the walk: a root over the registries' 4 MiB cap still names what gc must keep, so
 * it is read leniently up to index.json's own cap. A larger one cannot be walked: gc then keeps everything.
 */
const MAX_WALK_BYTES = 64 * 1024 * 1024;

/** The digests gc must keep: reachable from `roots`, and whatever a doubt keeps. */
export async function reachableBlobs(
  layout: Layout,
  roots: Descriptor[],
  candidates: StoredBlob[],
): Promise<Set<Digest>> {
  const doubts: ReachabilityDoubt[] = [];
  const read = (d: Pick<Descriptor, "digest">) => readBlob(layout, d.digest, MAX_WALK_BYTES);
  const keep = await reachable(roots, read, candidates, { onDoubt: (doubt) => doubts.push(doubt) });
  if (doubts.length > 0) layout.warn(gcKeptWarning(layout.paths.root, doubts));
  return keep;
}
