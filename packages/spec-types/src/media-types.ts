// Media types of the OCI image-spec v1.1.1 (media-types.md) and of Docker's image manifest v2 schema 2, which
// every registry still serves. Unknown media types are never an error (image-spec manifest.md "Extensibility").

/** OCI image manifest. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** OCI image index. */
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** OCI image configuration. */
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
/** OCI layer, uncompressed tar. */
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
/** OCI layer, gzip-compressed tar. */
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
/** OCI layer, zstd-compressed tar. */
export const OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
/** OCI non-distributable layer, uncompressed (deprecated in image-spec 1.1, still MUST be supported). */
export const OCI_LAYER_NONDISTRIBUTABLE = "application/vnd.oci.image.layer.nondistributable.v1.tar";
/** OCI non-distributable layer, gzip (deprecated in image-spec 1.1, still MUST be supported). */
export const OCI_LAYER_NONDISTRIBUTABLE_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
/** OCI non-distributable layer, zstd (deprecated in image-spec 1.1, still MUST be supported). */
export const OCI_LAYER_NONDISTRIBUTABLE_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
/** The empty JSON object `{}`, used as the config (and layer) of artifacts (image-spec manifest.md). */
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";
/** The OCI image layout's `oci-layout` file. */
export const OCI_LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json";

/** Docker image manifest v2, schema 2. */
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** Docker manifest list (the multi-platform index of schema 2). */
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
/** Docker image configuration. */
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
/** Docker layer, gzip-compressed tar. */
export const DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/** Docker foreign (non-distributable) layer. */
export const DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
/** Docker plugin configuration. */
export const DOCKER_PLUGIN_CONFIG = "application/vnd.docker.plugin.v1+json";
/** Docker schema 1 manifest (signed). Recognised only to refuse it clearly: schema 1 is not supported. */
export const DOCKER_MANIFEST_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
/** Docker schema 1 manifest (unsigned). Recognised only to refuse it clearly. */
export const DOCKER_MANIFEST_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";

/** Generic binary content: what a blob is when nothing more is known. */
export const OCTET_STREAM = "application/octet-stream";

/** The media types of single-platform manifests toci reads (OCI and Docker schema 2). */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST];
/** The media types of indexes toci reads (OCI index and Docker manifest list). */
export const INDEX_MEDIA_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST];

/**
 * The `Accept` header for manifest requests: every manifest type toci understands, OCI first
 * (distribution-spec "Pulling manifests": clients SHOULD send the types they support).
 */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(", ");

/** Strips parameters (`; charset=utf-8`) and case from a Content-Type (distribution-spec: ignore parameters). */
export function baseMediaType(contentType: string | null | undefined): string {
  if (!contentType) return "";
  const semi = contentType.indexOf(";");
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** Whether a media type names a single-platform manifest (OCI or Docker schema 2). Parameters are ignored. */
export function isManifestMediaType(mediaType: string | null | undefined): boolean {
  return MANIFEST_MEDIA_TYPES.includes(baseMediaType(mediaType));
}

/** Whether a media type names an index (OCI index or Docker manifest list). Parameters are ignored. */
export function isIndexMediaType(mediaType: string | null | undefined): boolean {
  return INDEX_MEDIA_TYPES.includes(baseMediaType(mediaType));
}

/** Whether a media type names a manifest or an index: content fetched from `/manifests/`, not `/blobs/`. */
export function isManifestOrIndexMediaType(mediaType: string | null | undefined): boolean {
  return isManifestMediaType(mediaType) || isIndexMediaType(mediaType);
}

// RFC 6838 §4.2 restricted-name, as the image-spec JSON schema checks it (schema/defs-descriptor.json).
const MEDIA_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** Whether a string is a syntactically valid media type (RFC 6838, without parameters). */
export function isValidMediaType(value: unknown): value is string {
  return typeof value === "string" && MEDIA_TYPE_PATTERN.test(value);
}
