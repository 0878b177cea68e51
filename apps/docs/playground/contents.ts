// What is inside a root of the store: whether it is an artifact (files, one per layer: @toci/client's
// artifactFiles) or an image (a filesystem: @toci/archive's imageFiles and imageFile), and the root as an OCI or
// docker archive (exportArchive). Everything reads the store only: it works offline.
import { exportArchive, imageFile, imageFiles } from "@toci/archive";
import { artifactFiles } from "@toci/client/pull";
import {
  type Descriptor,
  DOCKER_CONFIG,
  isIndex,
  isIndexMediaType,
  OCI_CONFIG,
  parseManifest,
  readAll,
  type Store,
} from "@toci/spec-types";

/** A file of a root, as listed: an image's path or an artifact's file. */
export interface FileView {
  /** The path in the image, or the artifact file's title (its digest when it has none). */
  name: string;
  /** `file`, `directory`, `symlink`…; for an artifact's file, its media type. */
  type: string;
  size: number;
  /** The content, verified as it is read; undefined when the image has no such file. */
  read(): Promise<Blob | undefined>;
}

/** Which image of an index: the platform asked for (a manifest root is one image already). */
function choice(root: Descriptor, platform: string | undefined): { platform?: string } {
  return platform && isIndexMediaType(root.mediaType) ? { platform } : {};
}

/** Manifests are small (distribution caps them at 4 MiB): read whole. */
const MAX_MANIFEST = 4 * 1024 * 1024;

/**
 * `image` when the root is an index or a manifest with an image config (its layers make a filesystem), else
 * `artifact` (its layers are files: `artifactType`, or a config of another type, image-spec "Guidelines for
 * Artifact Usage").
 */
export async function rootKind(store: Store, root: Descriptor): Promise<"image" | "artifact"> {
  const manifest = parseManifest(await readAll(await store.fetch(root), MAX_MANIFEST), root.mediaType);
  if (isIndex(manifest)) return "image";
  const isImageConfig = manifest.config.mediaType === OCI_CONFIG || manifest.config.mediaType === DOCKER_CONFIG;
  return manifest.artifactType === undefined && isImageConfig ? "image" : "artifact";
}

/** The filesystem of an image (one platform of an index: `platform`), sorted by path. */
export async function listImageFiles(store: Store, root: Descriptor, platform?: string): Promise<FileView[]> {
  const files: FileView[] = [];
  for await (const entry of imageFiles(store, root, choice(root, platform))) {
    const read = () => readImageFile(store, root, entry.path, platform);
    files.push({ name: entry.path, type: entry.type, size: entry.size, read });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The files of an artifact, one per layer, in the manifest's order. */
export async function listArtifactFiles(store: Store, root: Descriptor): Promise<FileView[]> {
  return (await artifactFiles(store, root)).map((file) => ({
    name: file.name,
    type: file.mediaType,
    size: file.size,
    read: () => file.blob(),
  }));
}

/** One file of an image, read whole (symlinks followed); undefined when the image has no such file. */
async function readImageFile(store: Store, root: Descriptor, path: string, platform?: string) {
  const file = await imageFile(store, root, path, choice(root, platform));
  return file && new Response(file.stream()).blob();
}

/** The root as an archive: `oci` (skopeo's `oci-archive:`) or `docker` (`docker load`), as a Blob to download. */
export async function archiveOf(store: Store, root: Descriptor, format: "oci" | "docker", platform?: string) {
  const stream = await exportArchive(store, root, { format, ...choice(root, platform) });
  return new Response(stream).blob();
}
