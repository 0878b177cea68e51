// Manifests and indexes (image-spec v1.1.1 manifest.md, image-index.md) and their Docker schema 2 twins, which
// share their shape. Parsing is strict about what the spec requires and lenient about everything else: unknown
// fields and unknown media types are kept, never rejected. Parsing never re-serialises: keep the bytes you parsed.
import type { Annotations } from "./annotations.js";
import type { Descriptor } from "./descriptor.js";
import { parseDigest } from "./digest.js";
import { OciError } from "./errors.js";
import {
  baseMediaType,
  type DOCKER_MANIFEST,
  type DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_SCHEMA1,
  DOCKER_MANIFEST_SCHEMA1_SIGNED,
  isIndexMediaType,
  isManifestMediaType,
  isValidMediaType,
  OCI_INDEX,
  OCI_MANIFEST,
} from "./media-types.js";
import type { Platform } from "./platform.js";

/** An image manifest: one config and its layers (OCI, or Docker schema 2 with the Docker media types). */
export interface Manifest {
  schemaVersion: 2;
  /** `application/vnd.oci.image.manifest.v1+json` or the Docker schema 2 type. Optional in OCI. */
  mediaType?: string;
  /** The type of artifact this manifest describes (image-spec 1.1), when it is not an image. */
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  /** The manifest this one refers to (image-spec 1.1 "subject"): a signature, an SBOM, an attestation. */
  subject?: Descriptor;
  annotations?: Annotations;
  [extra: string]: unknown;
}

/** An index: a list of manifests, usually one per platform (OCI index, or Docker manifest list). */
export interface Index {
  schemaVersion: 2;
  /** `application/vnd.oci.image.index.v1+json` or the Docker manifest list type. Optional in OCI. */
  mediaType?: string;
  /** The type of artifact this index describes (image-spec 1.1). */
  artifactType?: string;
  manifests: Descriptor[];
  /** The manifest this one refers to (image-spec 1.1 "subject"). */
  subject?: Descriptor;
  annotations?: Annotations;
  [extra: string]: unknown;
}

/** A Docker image manifest v2 schema 2: a {@link Manifest} with the Docker media type. */
export type DockerManifest = Manifest & { mediaType: typeof DOCKER_MANIFEST };
/** A Docker manifest list: an {@link Index} with the Docker media type. */
export type DockerManifestList = Index & { mediaType: typeof DOCKER_MANIFEST_LIST };

/** Options for {@link parseManifest}. */
export interface ParseManifestOptions {
  /**
   * The largest manifest accepted, in bytes. Registries are required to accept 4 MiB manifests and clients to
   * support them (distribution-spec "Pushing Manifests"); anything larger is refused before it is parsed.
   * @default 4194304 (4 MiB)
   */
  maxBytes?: number;
}

/** The default manifest size cap: 4 MiB, what distribution-spec asks every client to support. */
export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Whether a parsed manifest is an index (OCI index or Docker manifest list). Its own `mediaType` decides when it
 * names a known type (a manifest may carry an unknown `manifests` field); otherwise its shape does.
 */
export function isIndex(manifest: Manifest | Index): manifest is Index {
  if (isIndexMediaType(manifest.mediaType)) return true;
  if (isManifestMediaType(manifest.mediaType)) return false;
  return Array.isArray((manifest as Index).manifests) && !Array.isArray((manifest as Manifest).layers);
}

/**
 * Parses untrusted manifest bytes into a {@link Manifest} or an {@link Index}.
 *
 * `contentType` is the response's Content-Type, if any; its parameters are ignored. Throws an {@link OciError}
 * with code `MANIFEST_INVALID` when: the bytes exceed the size cap, are not UTF-8 JSON or not an object,
 * `schemaVersion` is not 2, the manifest's own `mediaType` disagrees with a manifest Content-Type (image-spec:
 * SHOULD reject), the kind cannot be told (neither `config`+`layers` nor `manifests`), a descriptor has a missing
 * or ill-typed field, a negative or non-integer size, or an invalid digest. Docker schema 1 is refused with
 * `UNSUPPORTED`. Unknown fields and unknown media types are kept.
 */
export function parseManifest(
  bytes: Uint8Array,
  contentType?: string | null,
  options: ParseManifestOptions = {},
): Manifest | Index {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
  if (!(bytes instanceof Uint8Array)) invalid("manifest bytes must be a Uint8Array");
  if (bytes.byteLength > maxBytes) {
    throw new OciError("MANIFEST_INVALID", `manifest is ${bytes.byteLength} bytes, over the ${maxBytes}-byte cap`, {
      detail: { size: bytes.byteLength, limit: maxBytes },
    });
  }
  const declared = baseMediaType(contentType);
  if (declared === DOCKER_MANIFEST_SCHEMA1 || declared === DOCKER_MANIFEST_SCHEMA1_SIGNED) {
    throw new OciError("UNSUPPORTED", "Docker schema 1 manifests are not supported");
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new OciError("MANIFEST_INVALID", "manifest is not valid UTF-8 JSON", { cause });
  }
  if (!isObject(value)) invalid("manifest is not a JSON object");
  if (value.schemaVersion === 1) throw new OciError("UNSUPPORTED", "Docker schema 1 manifests are not supported");
  if (value.schemaVersion !== 2) invalid(`schemaVersion must be 2, got ${short(value.schemaVersion)}`);

  const own = value.mediaType;
  if (own !== undefined && !isValidMediaType(own)) invalid(`mediaType ${short(own)} is not a media type`);
  if (own !== undefined && declared && isKnownManifestType(declared) && own !== declared) {
    invalid(`mediaType ${short(own)} disagrees with Content-Type ${short(declared)}`);
  }
  const kind = kindOf(value, own ?? (isKnownManifestType(declared) ? declared : undefined));
  if (value.artifactType !== undefined && !isValidMediaType(value.artifactType)) {
    invalid(`artifactType ${short(value.artifactType)} is not a media type`);
  }
  checkAnnotations(value.annotations, "annotations");
  if (value.subject !== undefined) checkDescriptor(value.subject, "subject");

  if (kind === "index") {
    if (!Array.isArray(value.manifests)) invalid("an index must have a manifests array");
    value.manifests.forEach((d, i) => {
      checkDescriptor(d, `manifests[${i}]`);
    });
    return value as Index;
  }
  if (!isObject(value.config)) invalid("a manifest must have a config descriptor");
  checkDescriptor(value.config, "config");
  if (!Array.isArray(value.layers)) invalid("a manifest must have a layers array");
  value.layers.forEach((d, i) => {
    checkDescriptor(d, `layers[${i}]`);
  });
  return value as Manifest;
}

/**
 * The media type a manifest is served as: its own `mediaType`, else the Content-Type when that is a manifest
 * type, else what its shape says (an index has `manifests`; OCI is assumed, as the field is optional only there).
 */
export function manifestMediaType(manifest: Manifest | Index, contentType?: string | null): string {
  if (typeof manifest.mediaType === "string") return manifest.mediaType;
  const declared = baseMediaType(contentType);
  if (isKnownManifestType(declared)) return declared;
  return isIndex(manifest) ? OCI_INDEX : OCI_MANIFEST;
}

/**
 * The descriptors a manifest or index points at, in the order a pull or push handles them: an index's manifests;
 * a manifest's config then its layers. The `subject` is not a child (it is pushed independently and a registry
 * must accept it missing), so it is not included.
 */
export function successors(manifest: Manifest | Index): Descriptor[] {
  return isIndex(manifest) ? [...manifest.manifests] : [manifest.config, ...manifest.layers];
}

/** Throws unless `value` is a well-formed descriptor; `where` names it in the message. */
export function checkDescriptor(value: unknown, where = "descriptor"): asserts value is Descriptor {
  if (!isObject(value)) invalid(`${where} is not an object`);
  if (!isValidMediaType(value.mediaType)) invalid(`${where}.mediaType ${short(value.mediaType)} is not a media type`);
  if (typeof value.digest !== "string") invalid(`${where}.digest is missing`);
  try {
    parseDigest(value.digest);
  } catch (cause) {
    throw new OciError("MANIFEST_INVALID", `${where}.digest ${short(value.digest)} is not a valid digest`, { cause });
  }
  if (typeof value.size !== "number" || !Number.isSafeInteger(value.size) || value.size < 0) {
    invalid(`${where}.size ${short(value.size)} must be a non-negative integer`);
  }
  if (value.urls !== undefined && !(Array.isArray(value.urls) && value.urls.every((u) => typeof u === "string"))) {
    invalid(`${where}.urls must be an array of strings`);
  }
  checkAnnotations(value.annotations, `${where}.annotations`);
  if (value.data !== undefined) {
    if (typeof value.data !== "string" || !BASE64.test(value.data)) invalid(`${where}.data must be base64`);
    if (base64Length(value.data) !== value.size) invalid(`${where}.data does not have ${value.size} bytes`);
  }
  if (value.artifactType !== undefined && !isValidMediaType(value.artifactType)) {
    invalid(`${where}.artifactType ${short(value.artifactType)} is not a media type`);
  }
  if (value.platform !== undefined) checkPlatform(value.platform, `${where}.platform`);
}

function checkPlatform(value: unknown, where: string): asserts value is Platform {
  if (!isObject(value)) invalid(`${where} is not an object`);
  if (typeof value.architecture !== "string") invalid(`${where}.architecture must be a string`);
  if (typeof value.os !== "string") invalid(`${where}.os must be a string`);
  for (const key of ["os.version", "variant"]) {
    if (value[key] !== undefined && typeof value[key] !== "string") invalid(`${where}.${key} must be a string`);
  }
  for (const key of ["os.features", "features"]) {
    const list = value[key];
    if (list !== undefined && !(Array.isArray(list) && list.every((f) => typeof f === "string"))) {
      invalid(`${where}.${key} must be an array of strings`);
    }
  }
}

function checkAnnotations(value: unknown, where: string): void {
  if (value === undefined) return;
  if (!isObject(value)) invalid(`${where} must be an object`);
  for (const key in value) {
    if (typeof value[key] !== "string") invalid(`${where}[${short(key)}] must be a string`);
  }
}

function kindOf(value: Record<string, unknown>, mediaType: unknown): "manifest" | "index" {
  const hasManifests = value.manifests !== undefined;
  const hasLayers = value.config !== undefined || value.layers !== undefined;
  // A manifest's own mediaType settles its kind; one taken from the Content-Type does only when the shape agrees,
  // so that isIndex(), which sees only the object, reaches the same answer.
  const own = value.mediaType !== undefined;
  if (isIndexMediaType(mediaType as string) && (own || !hasLayers)) return "index";
  if (isManifestMediaType(mediaType as string) && (own || !hasManifests)) return "manifest";
  // An unknown or absent mediaType: tell by shape, and refuse what is neither or both.
  if (hasManifests && !hasLayers) return "index";
  if (hasLayers && !hasManifests) return "manifest";
  return invalid("cannot tell a manifest from an index: expected config and layers, or manifests");
}

function isKnownManifestType(mediaType: string): boolean {
  return isManifestMediaType(mediaType) || isIndexMediaType(mediaType);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64Length(data: string): number {
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  return (data.length / 4) * 3 - padding;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short, safe rendering of an untrusted value for a message (String() throws on `{"toString":0}`). */
function short(value: unknown): string {
  let text: string;
  try {
    text = value !== null && typeof value === "object" ? (JSON.stringify(value) ?? typeof value) : String(value);
  } catch {
    text = `(${typeof value})`;
  }
  if (typeof value === "string") text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function invalid(message: string): never {
  throw new OciError("MANIFEST_INVALID", message);
}
