// What the destination of a push or copy holds already, asked of its manifests before any blob (as crane does): a
// registry refuses a manifest whose blobs or child manifests it lacks (distribution-spec "Pushing Manifests":
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests), so a manifest it has
// means everything under it is there. The root's tag already naming the root leaves nothing to send; the root
// present by digest leaves only its tag to PUT; a child of an index that is present takes its blobs out of the
// push. A re-push of 200 layers is then one HEAD, not 200. A root with a subject is PUT again all the same: the PUT
// keeps the subject's referrers fallback index (manifest-write.ts), which the first push may not have written.
import { type Descriptor, isManifestOrIndexMediaType, parseManifest, successors } from "@toci/spec-types";
import { PULL } from "../auth/scope.js";
import type { Graph } from "../graph.js";
import { discard } from "../http.js";
import type { Limit } from "../limiter.js";
import type { Remote } from "../remote.js";

type ParsedManifest = ReturnType<typeof parseManifest>;

/** What is left to send of a graph. */
export interface Remaining {
  /** The blobs under the manifests the destination lacks. */
  blobs: Descriptor[];
  /** Manifests not to PUT: the destination has them (the root, when its tag names it already). */
  present: ReadonlySet<string>;
}

/** Asks the destination for the graph's manifests, the root first, and says what is left to send. */
export async function remaining(
  dst: Remote,
  send: { graph: Graph; root: Descriptor; tag: string | undefined; limit: Limit },
  signal: AbortSignal,
): Promise<Remaining> {
  const { graph, root, tag } = send;
  const present = new Set<string>();
  const manifests = new Map(graph.manifests.map((m) => [m.descriptor.digest, m.bytes]));
  const parse = (d: Descriptor) =>
    parseManifest(manifests.get(d.digest)!, d.mediaType, { maxBytes: dst.options.maxManifestBytes });
  const rootBytes = manifests.get(root.digest);
  if (
    tag !== undefined &&
    rootBytes !== undefined &&
    !parse(root).subject &&
    (await taggedDigest(dst, root, tag, signal)) === root.digest
  ) {
    for (const { descriptor } of graph.manifests) present.add(descriptor.digest);
    return { blobs: [], present };
  }
  const children = graph.manifests.filter(({ descriptor }) => descriptor.digest !== root.digest);
  if (await dst.has(root, signal)) {
    // Only the tag is missing (or no tag was asked for): every child is there since the root is.
    for (const { descriptor } of children) present.add(descriptor.digest);
    if (tag === undefined) present.add(root.digest);
    return { blobs: [], present };
  }
  await Promise.all(
    children.map(({ descriptor }) =>
      send.limit(async () => {
        if (await dst.has(descriptor, signal)) present.add(descriptor.digest);
      }),
    ),
  );
  return { blobs: present.size ? blobsUnder(graph, { root, present, parse }) : graph.blobs, present };
}

/** The digest the destination's tag names (HEAD, as `has` asks), or undefined when it has none or does not say. */
async function taggedDigest(
  dst: Remote,
  root: Descriptor,
  tag: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  const response = await dst.http.send({
    method: "HEAD",
    path: dst.path("manifests", tag),
    headers: { accept: root.mediaType },
    scopes: dst.scopes(PULL),
    signal,
  });
  await discard(response);
  return response.status === 200 ? (response.headers.get("docker-content-digest") ?? undefined) : undefined;
}

/** The blobs reached from the root without passing through a present manifest. */
function blobsUnder(
  graph: Graph,
  { root, present, parse }: { root: Descriptor; present: ReadonlySet<string>; parse(d: Descriptor): ParsedManifest },
): Descriptor[] {
  const wanted = new Set<string>();
  const visited = new Set<string>();
  const visit = (descriptor: Descriptor): void => {
    if (visited.has(descriptor.digest) || present.has(descriptor.digest)) return;
    visited.add(descriptor.digest);
    if (!isManifestOrIndexMediaType(descriptor.mediaType)) {
      wanted.add(descriptor.digest);
      return;
    }
    for (const child of successors(parse(descriptor))) visit(child);
  };
  visit(root);
  return graph.blobs.filter((blob) => wanted.has(blob.digest));
}
