// Pushing a tree from the store (DESIGN.md §4): every blob and child manifest under a root, children before
// parents, blobs concurrently and skipping what the registry has, manifests by digest, the root last (by tag when
// asked), then the tag in the store too. Nexus and Quay refuse an index whose children are missing
// (spec-checklist.md §3.8), so order is not an optimisation.
import { type Descriptor, isManifestOrIndexMediaType, isOciError, isSourceRecorder } from "@toci/spec-types";
import { PULL, repositoryScope } from "../auth/scope.js";
import type { RegistryContext } from "../context.js";
import { discard } from "../http.js";
import { limiter } from "../limiter.js";
import { putManifest } from "../manifest-put.js";
import { readStored, walkGraph } from "../pull/graph.js";
import { blobReport, movedOnly, type OnBlob, type TransferReporter } from "../transfer.js";
import { storeSource } from "./source.js";
import { type UploadTuning, uploadBlob } from "./upload.js";

export interface TreePush {
  repository: string;
  /** `host/repository` of the destination, for the store's tag. */
  reference: string;
  root: Descriptor;
  tag: string | undefined;
  tuning: Omit<UploadTuning, "mountFrom">;
  /** Per-blob progress for the caller. */
  onBlob?: OnBlob;
}

export async function runTreePush(context: RegistryContext, plan: TreePush, reporter: TransferReporter): Promise<void> {
  const { store, options } = context;
  const { signal } = reporter;
  const limit = limiter(options.concurrency);
  const graph = await walkGraph(plan.root, {
    maxManifestBytes: options.maxManifestBytes,
    limit,
    read: (descriptor) => readStored(store, descriptor, options.maxManifestBytes),
  });
  for (const blob of graph.blobs) reporter.addTotal(blob.size);
  for (const { descriptor } of graph.manifests) reporter.addTotal(descriptor.size);

  const recorder = isSourceRecorder(store) ? store : undefined;
  const registryName = context.name;
  await Promise.all(
    graph.blobs.map((blob) =>
      limit(async () => {
        if (signal.aborted) return;
        // Mount candidates: repositories of this registry the store saw the blob come from.
        const sources = recorder ? await recorder.sources(blob.digest).catch(() => []) : [];
        const mountFrom = sources
          .filter((s) => s.startsWith(`${registryName}/`))
          .map((s) => s.slice(registryName.length + 1));
        const source = storeSource(store, blob);
        await uploadBlob(
          context,
          plan.repository,
          source,
          blob,
          { ...plan.tuning, mountFrom },
          blobReport(reporter, plan.onBlob, blob),
          signal,
        ).finally(() => source.close());
      }),
    ),
  );

  for (const { descriptor, bytes } of graph.manifests) {
    if (signal.aborted) return;
    const isRoot = descriptor.digest === plan.root.digest;
    if (!(isRoot && plan.tag) && (await manifestExists(context, plan.repository, descriptor, signal))) {
      reporter.addDone(descriptor.size);
      continue;
    }
    await putManifestRepairing(
      context,
      plan.repository,
      bytes,
      descriptor,
      isRoot && plan.tag ? plan.tag : descriptor.digest,
      signal,
      async (digest) => {
        const blob = graph.blobs.find((b) => b.digest === digest);
        if (!blob) return false;
        const source = storeSource(store, blob);
        const tuning = { ...plan.tuning, mountFrom: [] };
        await uploadBlob(context, plan.repository, source, blob, tuning, movedOnly(reporter), signal).finally(() =>
          source.close(),
        );
        return true;
      },
    );
    reporter.addDone(descriptor.size);
    reporter.addTransferred(descriptor.size);
  }
  if (plan.tag) await store.tag(plan.root, `${plan.reference}:${plan.tag}`);
}

export async function manifestExists(
  context: RegistryContext,
  repository: string,
  descriptor: Descriptor,
  signal: AbortSignal,
): Promise<boolean> {
  const kind = isManifestOrIndexMediaType(descriptor.mediaType) ? "manifests" : "blobs";
  const response = await context.http.send({
    method: "HEAD",
    path: `${repository}/${kind}/${descriptor.digest}`,
    headers: { accept: descriptor.mediaType },
    scopes: [repositoryScope(repository, PULL)],
    signal,
  });
  await discard(response);
  return response.status === 200;
}

/** How many times lost blobs are sent again before a manifest PUT gives up. */
const REPAIRS = 3;

/**
 * PUTs a manifest; when the registry answers MANIFEST_BLOB_UNKNOWN for blobs this push did upload (or found), the
 * blobs are uploaded again and the PUT retried (a few times, with a pause). distribution loses the repository link of a blob that two
 * clients commit at the same moment (seen with concurrent pushes sharing the empty config), so "uploaded" is not
 * always "there".
 */
export async function putManifestRepairing(
  context: RegistryContext,
  repository: string,
  bytes: Uint8Array,
  descriptor: Descriptor,
  reference: string,
  signal: AbortSignal,
  repair: (digest: string) => Promise<boolean>,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await putManifest(context, repository, bytes, descriptor, reference, signal);
      return;
    } catch (error) {
      const missing = isOciError(error)
        ? error.errors
            .filter((e) => e.code === "MANIFEST_BLOB_UNKNOWN" && typeof e.detail === "string")
            .map((e) => e.detail as string)
        : [];
      if (!missing.length || attempt >= REPAIRS) throw error;
      context.logger.warn("the registry lost blobs this push sent; sending them again", { missing, attempt });
      // Let the other client's commit settle before looking again.
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt + Math.random() * 100));
      for (const digest of new Set(missing)) if (!(await repair(digest))) throw error;
    }
  }
}
