// Pre-defined annotation keys (image-spec v1.1.1 annotations.md), plus the containerd key that toci writes next
// to `ref.name` in an image layout so that a root keeps its full reference (docs/architecture.md §7).

/** Annotations: string keys to string values. Unknown keys are never an error. */
export type Annotations = Record<string, string>;

export const ANNOTATION_CREATED = "org.opencontainers.image.created";
export const ANNOTATION_AUTHORS = "org.opencontainers.image.authors";
export const ANNOTATION_URL = "org.opencontainers.image.url";
export const ANNOTATION_DOCUMENTATION = "org.opencontainers.image.documentation";
export const ANNOTATION_SOURCE = "org.opencontainers.image.source";
export const ANNOTATION_VERSION = "org.opencontainers.image.version";
export const ANNOTATION_REVISION = "org.opencontainers.image.revision";
export const ANNOTATION_VENDOR = "org.opencontainers.image.vendor";
export const ANNOTATION_LICENSES = "org.opencontainers.image.licenses";
/** In an image layout's `index.json`: the tag of a root (what skopeo and oras read and write). */
export const ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name";
export const ANNOTATION_TITLE = "org.opencontainers.image.title";
export const ANNOTATION_DESCRIPTION = "org.opencontainers.image.description";
export const ANNOTATION_BASE_DIGEST = "org.opencontainers.image.base.digest";
export const ANNOTATION_BASE_NAME = "org.opencontainers.image.base.name";
/** In an image layout's `index.json`: the full reference of a root (`registry/repository:tag`), as containerd writes it. */
export const ANNOTATION_CONTAINERD_IMAGE_NAME = "io.containerd.image.name";
