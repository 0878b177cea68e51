// What gc keeps: the blobs the roots reach (reachable() in spec-types walks the graph), read from the layout.
import { type Descriptor, type Digest, reachable } from "@toci/spec-types";
import { readBlob, type StoredBlob } from "./blobs.js";
import type { Layout } from "./layout.js";

/** The largest blob read as a manifest for the graph walk (distribution-spec's manifest size). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** The digests gc must keep: reachable from `roots`. */
export function reachableBlobs(layout: Layout, roots: Descriptor[], candidates: StoredBlob[]): Promise<Set<Digest>> {
  return reachable(roots, (d) => readBlob(layout, d.digest, MAX_MANIFEST_BYTES), candidates);
}
