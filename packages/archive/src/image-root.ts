// From a root in a store to the one image manifest whose layers make a filesystem or a docker archive: a tag or a
// descriptor, an index resolved to one platform (image-spec image-index.md: the first match wins).
import {
  DEFAULT_MAX_MANIFEST_BYTES,
  type Descriptor,
  isIndex,
  type Manifest,
  OciError,
  type Platform,
  type PlatformMatcher,
  parseManifest,
  platformMatcher,
  type ReadOnlyStore,
  readAll,
  selectPlatform,
} from "@toci/spec-types";

/** A platform as `os/arch[/variant]`, a Platform, or a predicate. */
export type PlatformChoice = string | Platform | PlatformMatcher;

/** An image manifest and the descriptor it was found by. */
export interface ImageManifest {
  descriptor: Descriptor;
  manifest: Manifest;
}

/** Indexes nest one or two levels in real images; deeper is refused rather than walked. */
const MAX_DEPTH = 4;

/** Finds a root: a descriptor as it is, a reference through the store (`NOT_FOUND` when it names nothing). */
export async function rootOf(store: ReadOnlyStore, root: Descriptor | string): Promise<Descriptor> {
  if (typeof root !== "string") return root;
  const found = await store.resolve(root);
  if (!found) throw new OciError("NOT_FOUND", `no root named ${JSON.stringify(root)} in the store`);
  return found;
}

/** Reads and parses a manifest or index from the store (capped at 4 MiB, as distribution-spec sizes them). */
export async function readManifest(
  store: ReadOnlyStore,
  descriptor: Descriptor,
): Promise<ReturnType<typeof parseManifest>> {
  if (descriptor.size > DEFAULT_MAX_MANIFEST_BYTES) {
    throw new OciError(
      "MANIFEST_INVALID",
      `${descriptor.digest} is ${descriptor.size} bytes: too large for a manifest`,
    );
  }
  const bytes = await readAll(await store.fetch(descriptor), DEFAULT_MAX_MANIFEST_BYTES);
  return parseManifest(bytes, descriptor.mediaType);
}

/**
 * The image manifest a root stands for. An index is resolved to the entry `platform` chooses; without `platform`,
 * to its only image (attestation entries, `unknown/unknown`, are not images), else `INVALID_ARGUMENT`.
 */
export async function imageManifest(
  store: ReadOnlyStore,
  root: Descriptor | string,
  platform?: PlatformChoice,
): Promise<ImageManifest> {
  let descriptor = await rootOf(store, root);
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    const parsed = await readManifest(store, descriptor);
    if (!isIndex(parsed)) return { descriptor, manifest: parsed };
    descriptor = choose(parsed.manifests, descriptor, platform);
  }
  throw new OciError("MANIFEST_INVALID", `${descriptor.digest}: indexes nest deeper than ${MAX_DEPTH} levels`);
}

function choose(entries: Descriptor[], index: Descriptor, platform?: PlatformChoice): Descriptor {
  if (platform !== undefined) {
    const matcher = typeof platform === "function" ? platform : platformMatcher(platform);
    const at = selectPlatform(entries, matcher);
    if (at === -1) throw new OciError("NOT_FOUND", `${index.digest} has no manifest for the platform asked for`);
    return entries[at]!;
  }
  const images = entries.filter((d) => d.platform?.os !== "unknown");
  if (images.length === 1) return images[0]!;
  const platforms = images.map((d) => (d.platform ? `${d.platform.os}/${d.platform.architecture}` : "?")).join(", ");
  throw new OciError(
    "INVALID_ARGUMENT",
    `${index.digest} is an index of ${images.length} images (${platforms}): choose a platform`,
  );
}
