// The manifest of an artifact, as the image-spec's guidance for artifacts builds it
// (https://github.com/opencontainers/image-spec/blob/v1.1.1/manifest.md#guidelines-for-artifact-usage) and as
// oras-go packs it: `artifactType`, the empty config unless one is given, one layer per file titled with
// `org.opencontainers.image.title`, the empty descriptor as the one layer of an artifact without files, the subject,
// and `org.opencontainers.image.created`. Every file is hashed here (a Blob streamed, never held whole); the bytes
// are read again when they are uploaded.
import {
  ANNOTATION_CREATED,
  ANNOTATION_TITLE,
  baseDescriptor,
  type Descriptor,
  describe,
  EMPTY_DESCRIPTOR,
  EMPTY_JSON,
  isValidMediaType,
  OCI_MANIFEST,
  OciError,
} from "@toci/spec-types";
import type { FileData, PushArtifactOptions, PushFile } from "../artifact-options.js";
import type { PushData } from "../repository-options.js";
import { checkDescriptor, checkTag } from "./checks.js";
import { describeManifest } from "./manifest-bytes.js";

/** The layers' media type when a file names none: the library cannot know what a file is. */
const DEFAULT_FILE_TYPE = "application/octet-stream";

/** An artifact ready to send: its blobs with their bytes, and the manifest. */
export interface ArtifactPlan {
  /** The config and the layers, once per digest. */
  blobs: Descriptor[];
  /** The bytes of each blob, by digest. */
  data: Map<string, PushData>;
  /** The manifest's descriptor (with its artifactType) and exact bytes. */
  root: Descriptor;
  bytes: Uint8Array;
}

/** Checks the files and options, hashes the files, and writes the manifest. */
export async function planArtifact(files: readonly PushFile[], options: PushArtifactOptions): Promise<ArtifactPlan> {
  if (!Array.isArray(files)) throw invalid("pushArtifact needs an array of files");
  const { artifactType, config } = options;
  checkTag(options.tag);
  if (artifactType !== undefined && !isValidMediaType(artifactType)) {
    throw invalid(`artifactType ${JSON.stringify(artifactType)} is not a media type`);
  }
  if (artifactType === undefined && config === undefined) {
    // image-spec manifest.md: artifactType MUST be set when the config is the empty descriptor.
    throw invalid("an artifact needs an artifactType (or a config of its own type)");
  }
  if (options.subject !== undefined) checkDescriptor(options.subject);
  const data = new Map<string, PushData>();
  const blobs = new Map<string, Descriptor>();
  const add = (descriptor: Descriptor, bytes: PushData) => {
    data.set(descriptor.digest, bytes);
    if (!blobs.has(descriptor.digest)) blobs.set(descriptor.digest, baseDescriptor(descriptor));
  };
  const configDescriptor = config
    ? await describeFile(config.data, { mediaType: config.mediaType, annotations: config.annotations }, add)
    : ({ ...EMPTY_DESCRIPTOR } as Descriptor);
  if (!config) add(configDescriptor, EMPTY_JSON);
  const names = new Set<string>();
  const layers: Descriptor[] = [];
  for (const file of files) {
    const name = checkName(file?.name);
    if (names.has(name)) throw invalid(`two files are named ${JSON.stringify(name)}`);
    names.add(name);
    const annotations = { ...checkAnnotations(file.annotations, name), [ANNOTATION_TITLE]: name };
    layers.push(await describeFile(file.data, { mediaType: file.mediaType ?? DEFAULT_FILE_TYPE, annotations }, add));
  }
  if (layers.length === 0) {
    // image-spec: layers SHOULD hold at least one entry; an artifact without content uses the empty descriptor.
    layers.push({ ...EMPTY_DESCRIPTOR } as Descriptor);
    add(EMPTY_DESCRIPTOR, EMPTY_JSON);
  }
  // The field order of oras-go's manifests (image-spec's): easy to compare side by side.
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    ...(artifactType !== undefined ? { artifactType } : {}),
    config: configDescriptor,
    layers,
    ...(options.subject ? { subject: baseDescriptor(options.subject) } : {}),
    annotations: withCreated(checkAnnotations(options.annotations, "the manifest")),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const root = await describeManifest(bytes, OCI_MANIFEST);
  if (artifactType !== undefined) root.artifactType = artifactType;
  return { blobs: [...blobs.values()], data, root, bytes };
}

/** A file's or config's descriptor, hashed from its bytes (a Blob streamed); `add` keeps its bytes for the upload. */
async function describeFile(
  data: FileData,
  fields: { mediaType: string; annotations: Record<string, string> | undefined },
  add: (descriptor: Descriptor, bytes: PushData) => void,
): Promise<Descriptor> {
  if (!isValidMediaType(fields.mediaType)) throw invalid(`${JSON.stringify(fields.mediaType)} is not a media type`);
  let bytes: PushData;
  if (typeof data === "string") bytes = new TextEncoder().encode(data);
  else if (data instanceof Uint8Array || (typeof Blob !== "undefined" && data instanceof Blob)) bytes = data;
  else throw invalid("a file's data must be a Blob, a Uint8Array or a string");
  const descriptor = await describe(bytes, { mediaType: fields.mediaType });
  const annotations = checkAnnotations(fields.annotations, "a file");
  if (Object.keys(annotations).length) descriptor.annotations = annotations;
  add(descriptor, bytes);
  return descriptor;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const UNSAFE = /[\u0000-\u001f\u007f\\]/;

/**
 * A file's name as a relative path: what `oras pull` and `toci artifact pull` would refuse to write is refused here,
 * before anything is sent (oras refuses absolute paths too).
 */
function checkName(name: unknown): string {
  const refuse = (why: string) => invalid(`file name ${JSON.stringify(String(name).slice(0, 200))}: ${why}`);
  if (typeof name !== "string" || name === "") throw refuse("a file needs a name");
  if (UNSAFE.test(name)) throw refuse("backslash or control character");
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) throw refuse("absolute");
  if (name.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw refuse("empty, . or .. component");
  }
  return name;
}

function checkAnnotations(annotations: Record<string, string> | undefined, what: string): Record<string, string> {
  if (annotations === undefined) return {};
  if (typeof annotations !== "object" || annotations === null)
    throw invalid(`the annotations of ${what}: not an object`);
  for (const [key, value] of Object.entries(annotations)) {
    if (key === "" || typeof value !== "string") throw invalid(`the annotations of ${what}: ${key} is not a string`);
  }
  return { ...annotations };
}

/** RFC 3339 date-time (https://www.rfc-editor.org/rfc/rfc3339#section-5.6), as oras-go checks the created date. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function withCreated(annotations: Record<string, string>): Record<string, string> {
  const given = annotations[ANNOTATION_CREATED];
  if (given !== undefined) {
    if (!RFC3339.test(given)) throw invalid(`${ANNOTATION_CREATED} ${JSON.stringify(given)} is not an RFC 3339 date`);
    return annotations;
  }
  // Seconds, in UTC, as oras writes it (time.RFC3339).
  return { ...annotations, [ANNOTATION_CREATED]: new Date().toISOString().replace(/\.\d+Z$/, "Z") };
}

function invalid(message: string): OciError {
  return new OciError("INVALID_ARGUMENT", message);
}
