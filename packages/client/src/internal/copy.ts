// Registry to registry (`client.copy`): the graph is read from the source, blobs stream from source to destination
// without landing in the store (verified on the way: a corrupt source blob fails the copy with DIGEST_MISMATCH
// before the destination has it whole), are mounted when both repositories are on the same registry, and are
// skipped when the destination has them; manifests go children first, the root last; optionally the referrers of every copied
// manifest follow (as oras-go's ExtendedCopy does).
import { type Descriptor, isManifestOrIndexMediaType, isTag, OciError, type PlatformMatcher } from "@toci/spec-types";
import { PULL } from "./auth/scope.js";
import { checkTag } from "./checks.js";
import { type Graph, graphBytes, walkGraph } from "./graph.js";
import { type Limit, limiter } from "./limiter.js";
import { sendGraph } from "./push/send-graph.js";
import { type BlobSource, reopenable } from "./push/source.js";
import { listReferrers } from "./referrers.js";
import type { Remote } from "./remote.js";
import type { OnBlob, TransferReporter, Work } from "./transfer.js";

/** What to copy. */
export interface CopyRequest {
  /** A tag or digest on the source, or a descriptor. */
  reference: string | Descriptor;
  /** The destination tag; by default the source tag, when the reference is one. */
  tag: string | undefined;
  /** With an index: only its first manifest for this platform. */
  platform: PlatformMatcher | undefined;
  /** Also copy the referrers of every copied manifest. */
  referrers: boolean;
  onBlob: OnBlob;
}

/** How deep referrers of referrers are followed (a signature of an SBOM of an image is depth 2). */
const MAX_REFERRER_DEPTH = 4;

/** The work of `client.copy`. */
export function copyWork(src: Remote, dst: Remote, request: CopyRequest): Work {
  return (reporter) =>
    dst.run(reporter.signal, async (signal) => {
      const { reference, platform } = request;
      let root: Descriptor;
      if (typeof reference === "string") root = await src.resolve(reference, platform, signal);
      else if (platform !== undefined && isManifestOrIndexMediaType(reference.mediaType)) {
        root = await src.narrow(reference, platform, signal);
      } else root = reference;
      // The platform narrowed the root above, so the walk takes everything under it.
      const tag = request.tag ?? (typeof reference === "string" && isTag(reference) ? reference : undefined);
      checkTag(tag);
      const copy = new Copy(src, dst, {
        limit: limiter(dst.options.concurrency),
        request,
        reporter: { ...reporter, signal },
      });
      await copy.run(root, tag);
      return root;
    });
}

/** A graph to copy, with the destination tag of its root (referrers go by digest). */
interface Planned {
  root: Descriptor;
  tag: string | undefined;
  graph: Graph;
}

/**
 * One copy: first the plan (the root's graph, then with `referrers` those of its referrers, found before any blob
 * moves so that the transfer's total is known from the start), then each graph sent in that order, subjects before
 * their referrers. A referrer reached twice is planned once.
 */
class Copy {
  readonly #src: Remote;
  readonly #dst: Remote;
  readonly #limit: Limit;
  readonly #request: CopyRequest;
  readonly #reporter: TransferReporter;
  readonly #planned = new Set<string>();

  constructor(src: Remote, dst: Remote, run: { limit: Limit; request: CopyRequest; reporter: TransferReporter }) {
    this.#src = src;
    this.#dst = dst;
    this.#limit = run.limit;
    this.#request = run.request;
    this.#reporter = run.reporter;
  }

  async run(root: Descriptor, tag: string | undefined): Promise<void> {
    const plan: Planned[] = [];
    await this.#plan(plan, { root, tag }, 0);
    this.#reporter.addTotal(plan.reduce((sum, { graph }) => sum + graphBytes(graph), 0));
    for (const planned of plan) {
      if (this.#reporter.signal.aborted) return;
      await this.#send(planned);
    }
  }

  /** A root's graph into the plan; then, when asked, the graphs of the referrers of each of its manifests. */
  async #plan(plan: Planned[], { root, tag }: { root: Descriptor; tag: string | undefined }, depth: number) {
    const src = this.#src;
    const { signal } = this.#reporter;
    const graph = await walkGraph(root, {
      maxManifestBytes: src.options.maxManifestBytes,
      maxGraphBytes: src.options.maxGraphBytes,
      limit: this.#limit,
      read: (d) => src.manifest(d, signal),
    });
    plan.push({ root, tag, graph });
    for (const { descriptor } of graph.manifests) this.#planned.add(descriptor.digest);
    if (!this.#request.referrers || depth >= MAX_REFERRER_DEPTH) return;
    for (const { descriptor } of graph.manifests) {
      for (const referrer of await listReferrers(src, descriptor, undefined, signal)) {
        if (!this.#planned.has(referrer.digest)) await this.#plan(plan, { root: referrer, tag: undefined }, depth + 1);
      }
    }
  }

  async #send({ root, tag, graph }: Planned): Promise<void> {
    const src = this.#src;
    const { signal } = this.#reporter;
    const sameRegistry = src.http.base.href === this.#dst.http.base.href;
    await sendGraph(
      this.#dst,
      {
        graph,
        root,
        tag,
        open: (blob) => remoteSource(src, blob, signal),
        mountFrom: async () => (sameRegistry ? [src.name] : []),
        limit: this.#limit,
        onBlob: this.#request.onBlob,
      },
      this.#reporter,
    );
  }
}

/**
 * A blob on the source registry: its whole body, verified as it streams (one GET for all the chunks of an upload;
 * a resync to an earlier offset reads it again from the start).
 */
function remoteSource(src: Remote, blob: Descriptor, signal: AbortSignal): BlobSource {
  return reopenable(
    async () => {
      if (isManifestOrIndexMediaType(blob.mediaType)) throw new OciError("INVALID_ARGUMENT", "not a blob");
      const path = src.path("blobs", blob.digest);
      const response = await src.http.send({ method: "GET", path, scopes: src.scopes(PULL), signal });
      if (response.status !== 200 || !response.body) {
        throw await src.http.error(response, "GET", src.http.url(path), "BLOB_UNKNOWN");
      }
      return response.body;
    },
    blob,
    { verify: true },
  );
}
