// Registry to registry (DESIGN.md §3 client.copy): the graph is read from the source, blobs stream from source to
// destination without landing in the store, are mounted when both repositories are on the same registry, and are
// skipped when the destination has them; manifests go children first, the root last; optionally the referrers of
// every copied manifest follow (oras-go's ExtendedCopy).
import { type Descriptor, isManifestOrIndexMediaType, OciError, type PlatformMatcher } from "@toci/spec-types";
import { PULL, repositoryScope } from "./auth/scope.js";
import type { RegistryContext } from "./context.js";
import { limiter } from "./limiter.js";
import { fetchManifestBytes, type ManifestCache } from "./manifests.js";
import { walkGraph } from "./pull/graph.js";
import { manifestExists, putManifestRepairing } from "./push/push-tree.js";
import type { BlobSource } from "./push/source.js";
import { uploadBlob } from "./push/upload.js";
import { listReferrers } from "./referrers.js";
import { blobReport, movedOnly, type OnBlob, type TransferReporter } from "./transfer.js";

export interface CopyEnd {
  context: RegistryContext;
  repository: string;
  cache: ManifestCache;
}

export interface CopyPlan {
  root: Descriptor;
  platform: PlatformMatcher | undefined;
  tag: string | undefined;
  referrers: boolean;
  /** Per-blob progress for the caller. */
  onBlob?: OnBlob;
}

/** How deep referrers of referrers are followed (a signature of an SBOM of an image is depth 2). */
const MAX_REFERRER_DEPTH = 4;

export async function runCopy(src: CopyEnd, dst: CopyEnd, plan: CopyPlan, reporter: TransferReporter): Promise<void> {
  const { signal } = reporter;
  const limit = limiter(dst.context.options.concurrency);
  const sameRegistry = src.context.http.base.href === dst.context.http.base.href;
  const copied = new Set<string>();
  const tuning = {
    monolithicMax: dst.context.options.monolithicMax,
    chunkSize: dst.context.options.chunkSize,
    mountFrom: sameRegistry ? [src.repository] : [],
  };

  const copyGraph = async (
    root: Descriptor,
    tag: string | undefined,
    platform: PlatformMatcher | undefined,
    depth: number,
  ) => {
    const graph = await walkGraph(root, {
      platform,
      maxManifestBytes: src.context.options.maxManifestBytes,
      limit,
      read: (d) => fetchManifestBytes(src.context, src.repository, d, src.cache, signal),
    });
    for (const blob of graph.blobs) reporter.addTotal(blob.size);
    for (const { descriptor } of graph.manifests) reporter.addTotal(descriptor.size);
    await Promise.all(
      graph.blobs.map((blob) =>
        limit(async () => {
          if (signal.aborted) return;
          await uploadBlob(
            dst.context,
            dst.repository,
            remoteSource(src, blob, signal),
            blob,
            tuning,
            blobReport(reporter, plan.onBlob, blob),
            signal,
          );
        }),
      ),
    );
    for (const { descriptor, bytes } of graph.manifests) {
      if (signal.aborted) return;
      const isRoot = descriptor.digest === root.digest;
      copied.add(descriptor.digest);
      if (!(isRoot && tag) && (await manifestExists(dst.context, dst.repository, descriptor, signal))) {
        reporter.addDone(descriptor.size);
        continue;
      }
      await putManifestRepairing(
        dst.context,
        dst.repository,
        bytes,
        descriptor,
        isRoot && tag ? tag : descriptor.digest,
        signal,
        async (digest) => {
          const blob = graph.blobs.find((b) => b.digest === digest);
          if (!blob) return false;
          await uploadBlob(
            dst.context,
            dst.repository,
            remoteSource(src, blob, signal),
            blob,
            tuning,
            movedOnly(reporter),
            signal,
          );
          return true;
        },
      );
      reporter.addDone(descriptor.size);
      reporter.addTransferred(descriptor.size);
    }
    if (plan.referrers && depth < MAX_REFERRER_DEPTH) {
      for (const { descriptor } of graph.manifests) {
        const referrers = await listReferrers(src.context, src.repository, descriptor, undefined, signal);
        for (const referrer of referrers) {
          if (!copied.has(referrer.digest)) await copyGraph(referrer, undefined, undefined, depth + 1);
        }
      }
    }
  };

  await copyGraph(plan.root, plan.tag, plan.platform, 0);
}

/** A blob on the source registry, read by range (every range a fresh GET, so any offset can be read again). */
function remoteSource(src: CopyEnd, blob: Descriptor, signal: AbortSignal): BlobSource {
  return {
    size: blob.size,
    seekable: true,
    async range(start, end) {
      if (isManifestOrIndexMediaType(blob.mediaType)) throw new OciError("INVALID_ARGUMENT", "not a blob");
      const path = `${src.repository}/blobs/${blob.digest}`;
      const whole = start === 0 && end === blob.size;
      const response = await src.context.http.send({
        method: "GET",
        path,
        headers: whole ? {} : { range: `bytes=${start}-${end - 1}` },
        scopes: [repositoryScope(src.repository, PULL)],
        signal,
      });
      if ((response.status !== 200 && response.status !== 206) || !response.body) {
        throw await src.context.http.error(response, "GET", src.context.http.url(path), "BLOB_UNKNOWN");
      }
      if (response.status === 206 || whole) return response.body;
      // The source ignored Range: cut the wanted bytes out of the whole.
      return sliceStream(response.body, start, end);
    },
    close: async () => {},
  };
}

function sliceStream(stream: ReadableStream<Uint8Array>, start: number, end: number): ReadableStream<Uint8Array> {
  let position = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const from = Math.max(0, start - position);
        const to = Math.min(chunk.byteLength, end - position);
        position += chunk.byteLength;
        if (from < to) controller.enqueue(chunk.subarray(from, to));
        if (position >= end) controller.terminate();
      },
    }),
  );
}
