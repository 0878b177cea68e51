// What `repo.pushArtifact(files, options)` takes: the files, each one layer, and the options of the artifact.
import type { Descriptor } from "@toci/spec-types";
import type { BlobProgressCallback } from "./repository-options.js";

/** The bytes of a file or config: a Blob (in Node, `await fs.openAsBlob(path)`), bytes, or text (UTF-8). */
export type FileData = Blob | Uint8Array | string;

/** One file of an artifact: a layer titled with its name. */
export interface PushFile {
  /**
   * The file's name, written as `org.opencontainers.image.title` (what `oras pull` and `toci artifact pull` name the
   * file by). A relative path (`model.bin`, `docs/readme.md`): empty names, absolute paths, `..` components,
   * backslashes and control characters are refused with `INVALID_ARGUMENT`, and so is a name used twice.
   */
  name: string;
  /** The content. A Blob is read twice (hashed, then uploaded) and never held whole. */
  data: FileData;
  /** The layer's media type. @default "application/octet-stream" */
  mediaType?: string;
  /** More annotations of the layer (the title is set from `name`). @default none */
  annotations?: Record<string, string>;
}

/** A config of its own for an artifact, instead of the empty one. */
export interface ArtifactConfig {
  /** The config's media type (oras's `--config file:type`). */
  mediaType: string;
  /** The config's content. */
  data: FileData;
  /** Annotations of the config descriptor. @default none */
  annotations?: Record<string, string>;
}

/** Options of {@link Repository.pushArtifact}. */
export interface PushArtifactOptions {
  /**
   * The artifact's type (`application/vnd.example.sbom.v1+json`), the manifest's `artifactType`. Required unless a
   * `config` of its own type is given (image-spec: artifactType MUST be set when the config is the empty one).
   * @default none
   */
  artifactType?: string;
  /** Tag the manifest with this. @default none: pushed by digest (the last event's `root` says which) */
  tag?: string;
  /**
   * The manifest's annotations. `org.opencontainers.image.created` is set to the current time unless given (then
   * it must be an RFC 3339 date-time, as oras requires).
   * @default { "org.opencontainers.image.created": now }
   */
  annotations?: Record<string, string>;
  /**
   * The manifest the artifact refers to (an image it signs or describes): it becomes a referrer of it, found by
   * `repo.referrers(subject)`; on a registry without the referrers API the fallback index is maintained.
   * @default none
   */
  subject?: Descriptor;
  /** A config of its own. @default the empty config `{}` (`application/vnd.oci.empty.v1+json`) */
  config?: ArtifactConfig;
  /** Cancels the push; it ends with a `failed` event (`ABORTED`). @default none */
  signal?: AbortSignal;
  /** Per-blob progress; see {@link BlobProgressCallback}. */
  onBlob?: BlobProgressCallback;
}
