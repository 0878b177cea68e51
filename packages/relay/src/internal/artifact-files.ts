// The files of an artifact in a store, read the way the client's `artifactFiles(store, root)` will read them
// (image-spec "Guidelines for Artifact Usage",
// https://github.com/opencontainers/image-spec/blob/v1.1.1/manifest.md#guidelines-for-artifact-usage): one file per
// layer, named by its `org.opencontainers.image.title`, an untitled layer by its digest. A small reader of its own
// until the client's exists; then this file can go. Titles come from strangers: one that no URL can name (empty,
// control characters) is left out, and a repeated title names its first layer only.
import {
  ANNOTATION_TITLE,
  type Descriptor,
  isIndex,
  parseManifest,
  type ReadOnlyStore,
  readAll,
} from "@toci/spec-types";

/** One file of an artifact. */
export interface ArtifactFile {
  /** The layer's title, or its digest when it has none. */
  name: string;
  /** The layer. */
  descriptor: Descriptor;
}

/** Manifests are capped as registries cap them (distribution: 4 MiB). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** The files of the manifest `root`; an index has none (its children are images, not files). */
export async function artifactFiles(store: Pick<ReadOnlyStore, "fetch">, root: Descriptor): Promise<ArtifactFile[]> {
  if (root.size > MAX_MANIFEST_BYTES) return [];
  const bytes = await readAll(await store.fetch(root), MAX_MANIFEST_BYTES);
  const manifest = parseManifest(bytes, root.mediaType);
  if (isIndex(manifest)) return [];
  const files: ArtifactFile[] = [];
  const names = new Set<string>();
  for (const layer of manifest.layers) {
    const title = layer.annotations?.[ANNOTATION_TITLE];
    const name = title === undefined ? layer.digest : title;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (name === "" || /[\u0000-\u001f\u007f]/.test(name) || names.has(name)) continue;
    names.add(name);
    files.push({ name, descriptor: layer });
  }
  return files;
}
