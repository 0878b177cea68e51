// Archives out of a store. "oci" is an OCI image layout in a tar (image-spec image-layout.md), what
// `skopeo copy oci-archive:` reads. "docker" is what `docker load` reads: `manifest.json` (and `repositories`)
// pointing at the config and layers, laid out as docker 25+ saves images, inside the same OCI layout, so that one
// file serves both readers. Blobs go out as stored (compressed layers stay compressed: docker load and skopeo
// decompress them), streamed from the store and verified as they flow. The body (internal/export.ts, with the tar
// writer) is loaded on first use, so that a browser bundle pays for it only when an archive is made.
import type { Descriptor, ReadOnlyStore } from "@toci/spec-types";
import type { PlatformChoice } from "./image-root.js";

/** Options for {@link exportArchive}. */
export interface ExportArchiveOptions {
  /**
   * `oci`: an OCI image layout archive. `docker`: what `docker load` reads; a single image, so an index needs
   * `platform` unless it holds one image.
   * @default "oci"
   */
  format?: "oci" | "docker";
  /** Which image of an index to export (oci: the whole index when not given). */
  platform?: PlatformChoice;
  /**
   * The name the archive gives the image: a tag (`v1`) or a full reference (`registry.example/app:v1`, which
   * docker's `RepoTags` need). @default the root's own name in the store, if it has one
   */
  name?: string;
  /** Cancels the reads from the store. */
  signal?: AbortSignal;
}

/**
 * Writes an image (or, in the oci format, a whole index) of the store as an archive: a tar stream, produced as it
 * is read. Everything is checked before the first byte: `NOT_FOUND` for a missing root or blob (foreign layers,
 * with `urls`, may be missing and are left out), `INVALID_ARGUMENT` for an index without a platform in the docker
 * format. Blobs are then streamed from the store, verified as they flow; a blob that fails errors the stream.
 */
export async function exportArchive(
  store: ReadOnlyStore,
  root: Descriptor | string,
  options: ExportArchiveOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  return (await import("./internal/export.js")).exportArchive(store, root, options);
}
