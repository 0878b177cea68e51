// The graph under a root, walked the same way by pull, push and copy: manifests and indexes (OCI and Docker,
// nested) down to configs and layers. Each manifest is read through the caller's `read` (the store, or the registry:
// verified and capped before it is parsed), and parsed with the media type its parent declared (a manifest claiming
// another type is refused). Blobs are de-duplicated by digest, not by whole descriptor: two descriptors of one blob
// that differ in annotations are one download.
import {
  type Descriptor,
  formatPlatform,
  isIndex,
  isManifestOrIndexMediaType,
  OciError,
  type PlatformMatcher,
  parseManifest,
  readAll,
  selectPlatform,
  successors,
} from "@toci/spec-types";
import type { Limit } from "./limiter.js";

/**
 * How deep indexes may nest. Real images nest one level (an index of manifests), artifacts sometimes two; 16 is
 * far past any legitimate use and stops a hostile chain early.
 */
export const MAX_DEPTH = 16;
/** How many manifests one graph may hold: bounds the memory a hostile index can make the walk hold. */
export const MAX_MANIFESTS = 10_000;

export interface Graph {
  /** Manifests and indexes, children before parents; the root last. */
  manifests: Array<{ descriptor: Descriptor; bytes: Uint8Array }>;
  /** Every other blob, once per digest. */
  blobs: Descriptor[];
}

export interface WalkOptions {
  /** Reads a manifest's bytes (verified against the descriptor). */
  read(descriptor: Descriptor): Promise<Uint8Array>;
  /** When set, an index contributes only its first child for this platform. */
  platform?: PlatformMatcher;
  /** Where to report what to fetch and what is done. */
  onManifest?(descriptor: Descriptor): void;
  maxManifestBytes: number;
  /** The most manifest bytes the walk may hold (the graph's manifests are kept until they are stored or sent). */
  maxGraphBytes: number;
  limit: Limit;
}

export async function walkGraph(root: Descriptor, options: WalkOptions): Promise<Graph> {
  const manifests: Graph["manifests"] = [];
  const blobs = new Map<string, Descriptor>();
  const seen = new Set<string>();
  let held = 0;

  const visit = async (descriptor: Descriptor, depth: number, ancestors: ReadonlySet<string>): Promise<void> => {
    if (!isManifestOrIndexMediaType(descriptor.mediaType)) {
      if (!blobs.has(descriptor.digest)) blobs.set(descriptor.digest, descriptor);
      return;
    }
    if (ancestors.has(descriptor.digest)) {
      throw new OciError("MANIFEST_INVALID", `index cycle through ${descriptor.digest}`);
    }
    if (seen.has(descriptor.digest)) return;
    seen.add(descriptor.digest);
    if (depth > MAX_DEPTH) throw new OciError("MANIFEST_INVALID", `indexes nested deeper than ${MAX_DEPTH}`);
    if (seen.size > MAX_MANIFESTS) throw new OciError("MANIFEST_INVALID", `more than ${MAX_MANIFESTS} manifests`);
    // Counted by the declared size before the read (the read checks the bytes against it), so nothing past the cap
    // is ever fetched.
    held += descriptor.size;
    if (held > options.maxGraphBytes) {
      throw new OciError("TOO_LARGE", `the manifests of this graph exceed maxGraphBytes (${options.maxGraphBytes})`, {
        detail: { limit: options.maxGraphBytes, digest: descriptor.digest },
      });
    }
    const bytes = await options.limit(() => options.read(descriptor));
    options.onManifest?.(descriptor);
    const manifest = parseManifest(bytes, descriptor.mediaType, { maxBytes: options.maxManifestBytes });
    let children = successors(manifest);
    if (isIndex(manifest) && options.platform) {
      children = [platformChild(children, options.platform, `index ${descriptor.digest}`)];
    }
    const path = new Set(ancestors).add(descriptor.digest);
    await Promise.all(children.map((child) => visit(child, depth + 1, path)));
    manifests.push({ descriptor, bytes });
  };

  await visit(root, 0, new Set());
  return { manifests, blobs: [...blobs.values()] };
}

/** An index's first child for `platform`; NOT_FOUND, listing the platforms it has, when none matches. */
export function platformChild(children: Descriptor[], platform: PlatformMatcher, where: string): Descriptor {
  const i = selectPlatform(children, platform);
  if (i === -1) {
    throw new OciError("NOT_FOUND", `no manifest for the requested platform in ${where}`, {
      detail: { available: children.map((c) => (c.platform ? formatPlatform(c.platform) : "(none)")) },
    });
  }
  return children[i]!;
}

/** The bytes of a graph's manifests. */
export function manifestBytes(graph: Graph): number {
  return graph.manifests.reduce((sum, { descriptor }) => sum + descriptor.size, 0);
}

/** The bytes of everything in a graph (manifests and blobs, each once): a transfer's total. */
export function graphBytes(graph: Graph): number {
  return graph.blobs.reduce((sum, blob) => sum + blob.size, manifestBytes(graph));
}

/** Reads a stored manifest, verified by the store, capped. */
export async function readStored(
  store: { fetch(descriptor: Descriptor): Promise<ReadableStream<Uint8Array>> },
  descriptor: Descriptor,
  max: number,
): Promise<Uint8Array> {
  return readAll(await store.fetch(descriptor), Math.min(max, descriptor.size));
}
