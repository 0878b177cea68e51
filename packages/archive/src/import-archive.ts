// importArchive: archives into a store. Its body (internal/import.ts, with the docker save reader) is loaded on
// first use, so that a browser bundle that never imports an archive does not carry it.
import type { Descriptor, Store } from "@toci/spec-types";
import type { ArchiveLimits } from "./limits.js";

/** Options for {@link importArchive}. */
export interface ImportArchiveOptions extends ArchiveLimits {
  /**
   * The name to give the image (a tag, or a full reference): replaces the archive's own names. Only for an
   * archive that holds one image. @default the names the archive gives (`ref.name`, RepoTags)
   */
  tag?: string;
  /**
   * How many bytes of a docker save archive read from a one-shot stream may be held in memory until its
   * manifest.json says what they are (a Blob is read twice instead).
   * @default 67108864 (64 MiB)
   */
  maxBufferedBytes?: number;
}

/**
 * Reads an archive into the store and names its images; returns the roots it added, as tagged. OCI image layouts
 * in a tar (skopeo's oci-archive, oras's layouts, exportArchive's both formats, docker 25+ saves) and classic docker
 * save archives (`manifest.json`, layers named by image IDs: each image gets an OCI manifest, its config kept as
 * it is). The archive may be gzip- or zstd-compressed. Every blob is verified on its way into the store and never
 * held whole, except small files and, from a one-shot stream, the layers of a classic docker save archive (named by
 * image IDs, they come before the manifest.json that says what they are): a Blob (in Node, `fs.openAsBlob(file)`)
 * is read a second time instead. Layers named by their digest (OCI layouts, skopeo's docker-archive) are stored as
 * they stream by. Refused with an OciError, nothing tagged: an archive that is neither format, lacks a blob its
 * manifests need, or holds a blob whose bytes do not match its digest (`DIGEST_MISMATCH`: it is never stored), or
 * an image without a name when no `tag` is given.
 */
export async function importArchive(
  store: Store,
  source: ReadableStream<Uint8Array> | Blob,
  options: ImportArchiveOptions = {},
): Promise<Descriptor[]> {
  return (await import("./internal/import.js")).importArchive(store, source, options);
}
