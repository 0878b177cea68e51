// Descriptors (image-spec v1.1.1 descriptor.md) and the empty descriptor (manifest.md "Guidance for an Empty
// Descriptor").
import type { Annotations } from "./annotations.js";
import type { Digest } from "./digest.js";
import { OCI_EMPTY } from "./media-types.js";
import type { Platform } from "./platform.js";

/** A reference to content: what it is, its digest and its size. */
export interface Descriptor {
  /** The media type of the referenced content. */
  mediaType: string;
  /** The digest of the content (`sha256:<hex>`). */
  digest: Digest;
  /** The size of the content in bytes. Content of another length is never trusted. */
  size: number;
  /** Where else the content may be downloaded from. */
  urls?: string[];
  /** Arbitrary metadata. */
  annotations?: Annotations;
  /** The content itself, base64-encoded, embedded for small content. Must match `digest` and `size`. */
  data?: string;
  /** In an index: the platform the referenced manifest runs on. */
  platform?: Platform;
  /** The type of an artifact when the descriptor references one. */
  artifactType?: string;
  /** Unknown fields are kept as they are (image-spec: SHOULD NOT error on unknown properties). */
  [extra: string]: unknown;
}

/** The bytes of the empty JSON object `{}`. */
export const EMPTY_JSON: Uint8Array = new Uint8Array([0x7b, 0x7d]);

/**
 * The empty descriptor (image-spec manifest.md): `{}` as `application/vnd.oci.empty.v1+json`, with its data
 * embedded. Use it as the config of an artifact, and as its layer when it has no content.
 */
export const EMPTY_DESCRIPTOR: Readonly<Descriptor> = Object.freeze({
  mediaType: OCI_EMPTY,
  digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  size: 2,
  data: "e30=",
});

/**
 * The identity of content: digest and size. Two descriptors with equal digests name the same bytes whatever
 * their annotations (koci keyed locks and progress on the whole descriptor, which split shared blobs).
 */
export function contentKey(descriptor: Pick<Descriptor, "digest">): string {
  return descriptor.digest;
}

/**
 * A descriptor with only the fields that identify and type content: mediaType, digest, size, and artifactType
 * when present. Useful before tagging or comparing.
 */
export function baseDescriptor(descriptor: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  if (descriptor.artifactType !== undefined) out.artifactType = descriptor.artifactType;
  return out;
}
