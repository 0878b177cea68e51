// Pull: resolve the root, walk its graph, download the blobs the store lacks concurrently (resuming partials),
// then commit manifests children-first and name the root last, so that a root in the store always has everything
// under it (koci reported success before index.json was written: koci.md §2.2.6).
import { type Descriptor, isSourceRecorder, type PlatformMatcher, writeBlob } from "@toci/spec-types";
import type { RegistryContext } from "../context.js";
import { limiter } from "../limiter.js";
import { fetchManifestBytes, type ManifestCache } from "../manifests.js";
import { blobReport, notifyBlob, type OnBlob, type TransferReporter } from "../transfer.js";
import { downloadBlob } from "./download.js";
import { readStored, walkGraph } from "./graph.js";

export interface PullPlan {
  repository: string;
  root: Descriptor;
  platform: PlatformMatcher | undefined;
  /** The full reference to name the root with in the store (`host/repo:tag`), when pulled by tag. */
  tagAs: string | undefined;
  cache: ManifestCache;
  /** Per-blob progress for the caller. */
  onBlob?: OnBlob;
}

export async function runPull(context: RegistryContext, plan: PullPlan, reporter: TransferReporter): Promise<void> {
  const { store, options } = context;
  const { signal } = reporter;
  const limit = limiter(options.concurrency);
  const stored = new Set<string>();
  const recorder = isSourceRecorder(store) ? store : undefined;

  const graph = await walkGraph(plan.root, {
    platform: plan.platform,
    maxManifestBytes: options.maxManifestBytes,
    limit,
    read: async (descriptor) => {
      reporter.addTotal(descriptor.size);
      let bytes: Uint8Array;
      if (await store.exists(descriptor)) {
        stored.add(descriptor.digest);
        bytes = await readStored(store, descriptor, options.maxManifestBytes);
      } else {
        bytes = await fetchManifestBytes(context, plan.repository, descriptor, plan.cache, signal);
        reporter.addTransferred(bytes.byteLength);
      }
      reporter.addDone(descriptor.size);
      return bytes;
    },
  });

  for (const blob of graph.blobs) reporter.addTotal(blob.size);
  // Fail fast, but settle: the first failure stops the other downloads (they close their ingests and keep their
  // partials for a rerun), and the pull ends only once they have, so nothing writes into the store after the
  // `failed` event (a caller may delete the store or close the client as soon as it sees it).
  const stop = new AbortController();
  const blobSignal = AbortSignal.any([signal, stop.signal]);
  let failure: { error: unknown } | undefined;
  await Promise.allSettled(
    graph.blobs.map((blob) =>
      limit(async () => {
        if (blobSignal.aborted) return;
        if (await store.exists(blob)) {
          reporter.addDone(blob.size);
          notifyBlob(plan.onBlob, blob, blob.size);
          return;
        }
        await downloadBlob(context, plan.repository, blob, blobReport(reporter, plan.onBlob, blob), blobSignal);
        // Remember where the blob came from: a later push to another repository of this registry can mount it.
        if (recorder) await recorder.recordSource(blob.digest, `${context.name}/${plan.repository}`).catch(() => {});
      }).catch((error: unknown) => {
        failure ??= { error };
        stop.abort(error);
      }),
    ),
  );
  if (failure) throw failure.error;

  // Children before parents, the root last: a manifest is visible only once everything it references is.
  for (const { descriptor, bytes } of graph.manifests) {
    if (signal.aborted) return;
    if (!stored.has(descriptor.digest)) await writeBlob(store, descriptor, bytes);
  }
  if (plan.tagAs !== undefined) await store.tag(plan.root, plan.tagAs);
}
