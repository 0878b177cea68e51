// How roots are named, resolved and replaced in an image layout's index.json, written once for every store so
// that memory, fs and IndexedDB agree (docs/architecture.md §4 item 3). A root carries the tag as
// `org.opencontainers.image.ref.name` (what skopeo and oras read) and, when it was tagged with a full reference,
// that reference as `io.containerd.image.name` (docs/architecture.md §7). Layouts written by others put
// a full reference in ref.name (buildkit, old containers/image): resolve accepts that too.
import { ANNOTATION_CONTAINERD_IMAGE_NAME, ANNOTATION_REF_NAME } from "./annotations.js";
import { baseDescriptor, type Descriptor } from "./descriptor.js";
import { isDigest } from "./digest.js";
import { OciError } from "./errors.js";
import { isTag, parseReference, type Reference } from "./reference.js";
import type { RootPredicate } from "./store.js";

/** A root name taken apart: the tag, and the full reference when one was given. */
export interface RootName {
  tag: string;
  full: string | undefined;
}

/**
 * Parses what a caller tags a root with: a tag (`v1`) or a full reference with a tag (`registry/repo:v1`).
 * Throws `INVALID_ARGUMENT` for anything else (a digest names content, it cannot be a root's name).
 */
export function parseRootName(reference: string): RootName {
  if (isTag(reference)) return { tag: reference, full: undefined };
  let ref: Reference;
  try {
    ref = parseReference(reference, { defaultRegistry: false, defaultTag: false });
  } catch (cause) {
    throw new OciError("INVALID_ARGUMENT", `cannot tag a root as ${JSON.stringify(reference)}`, { cause });
  }
  if (ref.tag === undefined || ref.digest !== undefined) {
    throw new OciError("INVALID_ARGUMENT", `a root's name needs a tag and no digest: ${JSON.stringify(reference)}`);
  }
  return { tag: ref.tag, full: ref.toString() };
}

/** The root entry `index.json` gets for a descriptor tagged with a name. */
export function rootDescriptor(descriptor: Descriptor, name: RootName): Descriptor {
  const entry = baseDescriptor(descriptor);
  if (descriptor.platform) entry.platform = descriptor.platform;
  const annotations: Record<string, string> = { ...(descriptor.annotations ?? {}) };
  delete annotations[ANNOTATION_CONTAINERD_IMAGE_NAME];
  annotations[ANNOTATION_REF_NAME] = name.tag;
  if (name.full !== undefined) annotations[ANNOTATION_CONTAINERD_IMAGE_NAME] = name.full;
  entry.annotations = annotations;
  return entry;
}

/**
 * The roots after tagging `descriptor` as `reference`: the roots it replaces are removed and the new one is
 * appended. A full reference replaces the root with the same full name, and roots that carry only the same tag;
 * a bare tag replaces every root with that tag.
 */
export function tagRoots(roots: readonly Descriptor[], descriptor: Descriptor, reference: string): Descriptor[] {
  const name = parseRootName(reference);
  const kept = roots.filter((root) => !sameName(root, name));
  kept.push(rootDescriptor(descriptor, name));
  return kept;
}

/** The roots after removing the name `reference`, and whether any root was removed. */
export function untagRoots(roots: readonly Descriptor[], reference: string): { roots: Descriptor[]; removed: boolean } {
  const target = findRoot(roots, reference);
  if (!target) return { roots: [...roots], removed: false };
  return { roots: roots.filter((root) => root !== target), removed: true };
}

/** Finds a root by tag, full reference, digest, reference with digest, or predicate (see Resolver). */
export function findRoot(roots: readonly Descriptor[], reference: string | RootPredicate): Descriptor | undefined {
  if (typeof reference === "function") return roots.find(reference);
  if (isDigest(reference)) return roots.find((root) => root.digest === reference);
  if (isTag(reference)) return roots.find((root) => root.annotations?.[ANNOTATION_REF_NAME] === reference);
  let ref: Reference;
  try {
    ref = parseReference(reference, { defaultRegistry: false, defaultTag: false });
  } catch {
    // Not a reference we can parse: it can still be a ref.name another tool wrote verbatim.
    return roots.find((root) => root.annotations?.[ANNOTATION_REF_NAME] === reference);
  }
  if (ref.digest !== undefined) return roots.find((root) => root.digest === ref.digest);
  const full = ref.toString();
  return (
    roots.find((root) => root.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME] === full) ??
    roots.find((root) => root.annotations?.[ANNOTATION_REF_NAME] === full) ??
    roots.find(
      (root) =>
        ref.tag !== undefined &&
        root.annotations?.[ANNOTATION_REF_NAME] === ref.tag &&
        root.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME] === undefined,
    )
  );
}

function sameName(root: Descriptor, name: RootName): boolean {
  const refName = root.annotations?.[ANNOTATION_REF_NAME];
  const fullName = root.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME];
  if (name.full === undefined) return refName === name.tag;
  return fullName === name.full || refName === name.full || (refName === name.tag && fullName === undefined);
}
