// The content graph of a store, walked once for every store's gc() and resolve() (aesthetics principle 3): what
// is reachable from the roots through OCI and Docker manifests and indexes (image-spec v1.1.1 image-index.md,
// manifest.md), nested indexes included, plus the referrers of everything reachable (manifest.md "subject":
// a signature or SBOM points at its subject, not the other way round, so it is found by scanning).
import type { Descriptor } from "./descriptor.js";
import { type Digest, parseDigest, verifiableAlgorithm } from "./digest.js";
import { OciError } from "./errors.js";
import {
  DEFAULT_MAX_MANIFEST_BYTES,
  type Index,
  type Manifest,
  manifestMediaType,
  parseManifest,
  successors,
} from "./manifest.js";
import { isManifestOrIndexMediaType } from "./media-types.js";
import { digestOf } from "./verify.js";

/** Reads the bytes of a stored blob; undefined when it is absent (image-spec layout: blobs MAY be missing). */
export type BlobReader = (descriptor: Pick<Descriptor, "digest" | "size">) => Promise<Uint8Array | undefined>;

/** Options for {@link reachable}. */
export interface ReachableOptions {
  /**
   * How deep indexes may nest below a root. Real images nest one or two levels; a deeper graph is refused
   * rather than half-walked, so that gc() never deletes what a deeper manifest still needs.
   * @default 16
   */
  maxDepth?: number;
  /**
   * The largest blob read as a manifest (candidates for referrers larger than this are layers, not manifests).
   * @default 4194304 (4 MiB, distribution-spec's manifest size)
   */
  maxManifestBytes?: number;
}

/**
 * The digests reachable from `roots`: the roots, every descriptor their manifests and indexes point at
 * (recursively), and every manifest among `candidates` whose `subject` is reachable, with its own graph,
 * transitively (a signature of a signature). Only descriptors typed as a manifest or index are opened; a
 * manifest that is absent stops the walk there, one that does not parse is kept as a leaf.
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
  const maxDepth = options.maxDepth ?? 16;
  const maxBytes = options.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
  const seen = new Set<Digest>();

  const walk = async (descriptor: Descriptor, depth: number): Promise<void> => {
    if (seen.has(descriptor.digest)) return; // content addressing makes true cycles impossible; this stops repeats
    seen.add(descriptor.digest);
    if (!isManifestOrIndexMediaType(descriptor.mediaType) || descriptor.size > maxBytes) return;
    const manifest = await readManifest(read, descriptor, maxBytes);
    if (!manifest) return;
    const children = successors(manifest);
    if (children.length > 0 && depth >= maxDepth) {
      throw new OciError("MANIFEST_INVALID", `${descriptor.digest}: manifests nest deeper than ${maxDepth} levels`, {
        detail: { digest: descriptor.digest, maxDepth },
      });
    }
    for (const child of children) await walk(child, depth + 1);
  };

  for (const root of roots) await walk(root, 0);

  // Referrers: scan what is left, once, for manifests with a subject; then grow the reachable set to a fixed point.
  let referrers: Map<Digest, Descriptor[]> | undefined;
  for (;;) {
    if (!referrers) {
      referrers = new Map();
      for (const candidate of candidates) {
        if (seen.has(candidate.digest) || candidate.size > maxBytes || candidate.size < 2) continue;
        const bytes = await read(candidate);
        const manifest = bytes && tryParse(bytes);
        if (!bytes || !manifest?.subject) continue;
        const referrer = describeManifest(candidate.digest, bytes.byteLength, manifest);
        const list = referrers.get(manifest.subject.digest) ?? [];
        list.push(referrer);
        referrers.set(manifest.subject.digest, list);
      }
    }
    let grew = false;
    for (const [subject, list] of referrers) {
      if (!seen.has(subject)) continue;
      for (const referrer of list) {
        if (seen.has(referrer.digest)) continue;
        await walk(referrer, 0);
        grew = true;
      }
    }
    if (!grew) return seen;
  }
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

async function readManifest(
  read: BlobReader,
  descriptor: Descriptor,
  maxBytes: number,
): Promise<Manifest | Index | undefined> {
  const bytes = await read(descriptor);
  if (!bytes) return undefined;
  return tryParse(bytes, maxBytes);
}

function tryParse(bytes: Uint8Array, maxBytes = DEFAULT_MAX_MANIFEST_BYTES): Manifest | Index | undefined {
  // Cheap refusal first: layers and configs are scanned as referrer candidates, and most are not JSON objects.
  let first = 0;
  while (first < bytes.length && (bytes[first] === 0x20 || bytes[first] === 0x0a || bytes[first] === 0x0d)) first++;
  if (bytes[first] !== 0x7b) return undefined;
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
