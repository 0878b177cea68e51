// The content graph of a store, walked once for every store's gc() and resolve() (docs/architecture.md §4 item 3): what
// is reachable from the roots through OCI and Docker manifests and indexes (image-spec v1.1.1 image-index.md,
// manifest.md), nested indexes included, plus the referrers of everything reachable (manifest.md "subject":
// a signature or SBOM points at its subject, not the other way round, so it is found by scanning).
import type { Descriptor } from "./descriptor.js";
import { type Digest, parseDigest, verifiableAlgorithm } from "./digest.js";
import { OciError } from "./errors.js";
import { DEFAULT_MAX_MANIFEST_BYTES, type Index, type Manifest, manifestMediaType, parseManifest } from "./manifest.js";
import { isManifestOrIndexMediaType } from "./media-types.js";
import { digestOf } from "./verify.js";

/** Reads the bytes of a stored blob; undefined when it is absent (image-spec layout: blobs MAY be missing). */
export type BlobReader = (descriptor: Pick<Descriptor, "digest" | "size">) => Promise<Uint8Array | undefined>;

/** Something reachable() kept without proof that it was needed, and why: gc must say what it kept. */
export interface ReachabilityDoubt {
  /** The manifest (or root) that could not be read as one. */
  digest: Digest;
  /** Why, e.g. `not a valid manifest: annotations["x"] must be a string` or `over the 4194304-byte cap`. */
  reason: string;
  /**
   * `named`: the blobs it names were kept (read leniently: every `digest` in `config`, `layers`, `manifests`,
   * `subject` and `blobs`). `everything`: it could not be read at all, so nothing it may name can be proven
   * unreachable, and every candidate was kept.
   */
  kept: "named" | "everything";
}

/** Options for {@link reachable}. */
export interface ReachableOptions {
  /**
   * How deep indexes may nest below a root. Real images nest one or two levels; a deeper graph is refused
   * rather than half-walked, so that gc() never deletes what a deeper manifest still needs.
   * @default 16
   */
  maxDepth?: number;
  /**
   * The largest blob read as a manifest when scanning the candidates for referrers (candidates larger than this
   * are layers, not manifests), and the strict parser's cap.
   * @default 4194304 (4 MiB, distribution-spec's manifest size)
   */
  maxManifestBytes?: number;
  /** Told of every {@link ReachabilityDoubt}. @default nothing is told */
  onDoubt?: (doubt: ReachabilityDoubt) => void;
}

/**
 * The digests reachable from `roots`: the roots, every descriptor their manifests and indexes point at
 * (recursively), and every manifest among `candidates` whose `subject` is reachable, with its own graph,
 * transitively (a signature of a signature). What gc() keeps, so on any doubt it keeps:
 * - every root is opened, and every descriptor typed as a manifest or an index, or listed in `manifests` or as
 *   `subject`, whatever its type says;
 * - a manifest the strict parser refuses (a `null` annotation, an image-spec 1.1-rc artifact manifest, one over the
 *   cap) is read leniently: every `digest` in `config`, `layers`, `manifests`, `subject` and `blobs` is kept, and
 *   `onDoubt` is told (`kept: "named"`); bytes that are not a JSON object name nothing;
 * - a manifest that `candidates` lists but that `read` does not return (over the reader's own cap, say) cannot be
 *   walked: every candidate is kept, and `onDoubt` is told (`kept: "everything"`).
 * A manifest that is absent stops the walk there.
 *
 * Throws `MANIFEST_INVALID` when indexes nest deeper than `maxDepth`, and rethrows what `read` throws: a caller
 * that deletes what is not reachable must not act on a partial answer.
 */
export async function reachable(
  roots: readonly Descriptor[],
  read: BlobReader,
  candidates: Iterable<Pick<Descriptor, "digest" | "size">> = [],
  options: ReachableOptions = {},
): Promise<Set<Digest>> {
  const listed = [...candidates];
  const walker = new GraphWalk(read, new Map(listed.map((c) => [c.digest, c.size])), options);
  for (const root of roots) await walker.walk(root, 0, true);
  // Referrers: scan what is left, once, for manifests with a subject; then grow the reachable set to a fixed point.
  const referrers = await walker.referrers(listed);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [subject, list] of referrers) {
      if (!walker.seen.has(subject)) continue;
      for (const referrer of list) {
        if (walker.seen.has(referrer.digest)) continue;
        await walker.walk(referrer, 0, true);
        grew = true;
      }
    }
  }
  if (walker.everything) for (const c of listed) walker.seen.add(c.digest);
  return walker.seen;
}

/** One walk of the graph: what it has seen, and whether a doubt made it keep everything. */
class GraphWalk {
  readonly seen = new Set<Digest>();
  everything = false;
  readonly #read: BlobReader;
  readonly #sizes: Map<Digest, number>;
  readonly #maxDepth: number;
  readonly #maxBytes: number;
  readonly #onDoubt: ((doubt: ReachabilityDoubt) => void) | undefined;

  constructor(read: BlobReader, sizes: Map<Digest, number>, options: ReachableOptions) {
    this.#read = read;
    this.#sizes = sizes;
    this.#maxDepth = options.maxDepth ?? 16;
    this.#maxBytes = options.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
    this.#onDoubt = options.onDoubt;
  }

  /** Marks `descriptor` and what it reaches; `open`: read it as a manifest whatever its media type says. */
  async walk(descriptor: Pick<Descriptor, "digest" | "size" | "mediaType">, depth: number, open: boolean) {
    if (this.seen.has(descriptor.digest)) return; // content addressing makes true cycles impossible
    this.seen.add(descriptor.digest);
    if (!open && !isManifestOrIndexMediaType(descriptor.mediaType)) return;
    const bytes = await this.#read(descriptor);
    if (!bytes) {
      // Listed but not read: its reader would not (too large for it); what it names cannot be known.
      if (this.#sizes.has(descriptor.digest)) this.#doubt(descriptor.digest, "could not be read", "everything");
      return;
    }
    const children = this.#children(descriptor.digest, bytes);
    if (children.length > 0 && depth >= this.#maxDepth) {
      throw new OciError(
        "MANIFEST_INVALID",
        `${descriptor.digest}: manifests nest deeper than ${this.#maxDepth} levels`,
        {
          detail: { digest: descriptor.digest, maxDepth: this.#maxDepth },
        },
      );
    }
    for (const child of children) await this.walk(child, depth + 1, child.open);
  }

  /** The manifests among `candidates` that have a subject, by subject (unreachable so far, small enough). */
  async referrers(candidates: Pick<Descriptor, "digest" | "size">[]): Promise<Map<Digest, Descriptor[]>> {
    const out = new Map<Digest, Descriptor[]>();
    for (const candidate of candidates) {
      if (this.seen.has(candidate.digest) || candidate.size > this.#maxBytes || candidate.size < 2) continue;
      const bytes = await this.#read(candidate);
      const subject = bytes && startsAnObject(bytes) ? lenientManifest(bytes)?.subject : undefined;
      if (!bytes || !subject) continue;
      const manifest = tryParse(bytes, this.#maxBytes);
      const referrer = manifest
        ? describeManifest(candidate.digest, bytes.byteLength, manifest)
        : { mediaType: "application/octet-stream", digest: candidate.digest, size: bytes.byteLength };
      out.set(subject.digest, [...(out.get(subject.digest) ?? []), referrer]);
    }
    return out;
  }

  /** What a manifest names: strictly parsed, else read leniently (and doubted). */
  #children(digest: Digest, bytes: Uint8Array): Child[] {
    if (!startsAnObject(bytes)) return [];
    let reason: string | undefined;
    try {
      parseManifest(bytes, undefined, { maxBytes: this.#maxBytes });
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    const lenient = lenientManifest(bytes);
    if (!lenient) return [];
    const children = lenientChildren(lenient);
    if (reason !== undefined && children.length > 0) this.#doubt(digest, `not a valid manifest: ${reason}`, "named");
    return children;
  }

  #doubt(digest: Digest, reason: string, kept: ReachabilityDoubt["kept"]): void {
    if (kept === "everything") this.everything = true;
    this.#onDoubt?.({ digest, reason, kept });
  }
}

/** A descriptor a manifest names, and whether it is opened as a manifest whatever its media type says. */
type Child = Pick<Descriptor, "digest" | "size" | "mediaType"> & { open: boolean };

/** The fields of a manifest or index that name blobs, as far as they can be read. */
interface LenientManifest {
  config?: unknown;
  layers?: unknown;
  fsLayers?: unknown;
  manifests?: unknown;
  blobs?: unknown;
  subject?: { digest: Digest };
}

/** The JSON object in `bytes` with a usable `subject`, or undefined when the bytes are not a JSON object. */
function lenientManifest(bytes: Uint8Array): LenientManifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const manifest = value as LenientManifest & { subject?: unknown };
  const subject = named(manifest.subject);
  return { ...manifest, subject: subject && { digest: subject.digest } };
}

/**
 * Every digest in `config`, `layers`, `manifests`, `subject` and `blobs` (image-spec 1.1-rc artifact manifests), and
 * Docker schema 1's `fsLayers`.
 */
function lenientChildren(manifest: LenientManifest): Child[] {
  const list = (value: unknown) => (Array.isArray(value) ? value : []);
  const out: Child[] = [];
  const add = (value: unknown, open: boolean) => {
    const child = named(value);
    if (child) out.push({ ...child, open });
  };
  add(manifest.config, false);
  for (const layer of list(manifest.layers)) add(layer, false);
  // Docker schema 1 names its layers `fsLayers[].blobSum`.
  for (const layer of list(manifest.fsLayers)) add({ digest: (layer as { blobSum?: unknown } | null)?.blobSum }, false);
  for (const blob of list(manifest.blobs)) add(blob, false);
  for (const entry of list(manifest.manifests)) add(entry, true); // an index lists manifests, whatever their type
  add(manifest.subject, true);
  return out;
}

/** A value that names a blob by a valid digest, with what else it says (media type, size) when it says it. */
function named(value: unknown): Pick<Descriptor, "digest" | "size" | "mediaType"> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { digest, size, mediaType } = value as Record<string, unknown>;
  if (typeof digest !== "string") return undefined;
  try {
    return {
      digest: parseDigest(digest).digest,
      size: typeof size === "number" && Number.isSafeInteger(size) && size >= 0 ? size : 0,
      mediaType: typeof mediaType === "string" ? mediaType : "",
    };
  } catch {
    return undefined;
  }
}

/** Whether the bytes start (after white space) with `{`: a cheap refusal of layers and configs that are not JSON. */
function startsAnObject(bytes: Uint8Array): boolean {
  let first = 0;
  while (first < bytes.length && (bytes[first] === 0x20 || bytes[first] === 0x0a || bytes[first] === 0x0d)) first++;
  return bytes[first] === 0x7b;
}

/**
 * The descriptor of stored manifest bytes (its media type from the bytes, its artifactType when it has one), or
 * undefined when the bytes are not a manifest or index. What resolve() returns for a digest no root names.
 */
export function manifestDescriptor(digest: Digest, bytes: Uint8Array): Descriptor | undefined {
  const manifest = tryParse(bytes);
  return manifest && describeManifest(digest, bytes.byteLength, manifest);
}

/**
 * What a store's resolve() returns for a reference that names a digest no root names: the descriptor of the stored
 * manifest or index of that digest, once its bytes hash to it (a resolve by digest must not vouch for corrupt bytes);
 * undefined for a tag, an absent blob, corrupt bytes or a blob that is not a manifest. `read` returns undefined for
 * an absent blob and for one too large to be a manifest.
 */
export async function resolveStoredManifest(
  reference: string,
  read: (digest: Digest) => Promise<Uint8Array | undefined>,
): Promise<Descriptor | undefined> {
  const digest = referenceDigest(reference);
  const algorithm = digest && verifiableAlgorithm(digest);
  const bytes = algorithm && (await read(digest));
  if (!algorithm || !bytes || (await digestOf(bytes, algorithm)) !== digest) return undefined;
  return manifestDescriptor(digest, bytes);
}

/**
 * The digest a reference names, when it names one: a bare digest (`sha256:…`) or a reference with a digest
 * (`registry/repo:tag@sha256:…`). Undefined for tags and names.
 */
export function referenceDigest(reference: string): Digest | undefined {
  const at = reference.lastIndexOf("@");
  const candidate = at === -1 ? reference : reference.slice(at + 1);
  try {
    return parseDigest(candidate).digest;
  } catch {
    return undefined;
  }
}

function tryParse(bytes: Uint8Array, maxBytes = DEFAULT_MAX_MANIFEST_BYTES): Manifest | Index | undefined {
  if (!startsAnObject(bytes)) return undefined; // cheap refusal first: most candidates are layers
  try {
    return parseManifest(bytes, undefined, { maxBytes });
  } catch {
    return undefined;
  }
}

function describeManifest(digest: Digest, size: number, manifest: Manifest | Index): Descriptor {
  const descriptor: Descriptor = { mediaType: manifestMediaType(manifest), digest, size };
  if (typeof manifest.artifactType === "string") descriptor.artifactType = manifest.artifactType;
  return descriptor;
}
