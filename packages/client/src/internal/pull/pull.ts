// Pull: resolve the root, walk its graph, download the blobs the store lacks concurrently (resuming partials),
// then commit manifests children first and name the root last, so that a root in the store always has everything
// under it (a root named before its blobs are in would be a broken image to whoever reads the layout meanwhile).
import {
  type Descriptor,
  isBatchBlobChecker,
  isBlobLeaser,
  isManifestOrIndexMediaType,
  isTag,
  type PlatformMatcher,
  writeBlob,
} from "@toci/spec-types";
import { checkDescriptor } from "../checks.js";
import { graphBytes, manifestBytes, readStored, walkGraph } from "../graph.js";
import { type Limit, limiter } from "../limiter.js";
import type { Remote } from "../remote.js";
import { blobReport, notifyBlob, type OnBlob, type TransferReporter, type Work } from "../transfer.js";
import { downloadLimit } from "./download-limit.js";
import { sourceNotes } from "./source-notes.js";
import { PullSources } from "./sources.js";

/** What to pull. */
export interface PullRequest {
  /** A tag or digest, or a descriptor. */
  reference: string | Descriptor;
  /** With an index: only its first manifest for this platform, named (by a tag) instead of the index. */
  platform: PlatformMatcher | undefined;
  /** Per-blob progress for the caller. */
  onBlob: OnBlob;
}

/** The work of `repo.pull`: the root, narrowed to the platform, then everything under it. */
export function pullWork(remote: Remote, request: PullRequest): Work {
  return (reporter) =>
    remote.run(reporter.signal, async (signal) => {
      const { reference, platform } = request;
      const sources = new PullSources(remote);
      const tagAs = typeof reference === "string" && isTag(reference) ? `${remote.reference}:${reference}` : undefined;
      let root: Descriptor;
      if (typeof reference === "string") {
        root = await sources.resolve(reference, platform, signal, await resolveBy(remote, tagAs));
      } else {
        checkDescriptor(reference);
        // An index narrowed to the platform's manifest, so the store never holds an index missing children.
        root =
          platform && isManifestOrIndexMediaType(reference.mediaType)
            ? await sources.narrow(reference, platform, signal)
            : reference;
      }
      await pullGraph(remote, { root, tagAs, onBlob: request.onBlob, sources }, { ...reporter, signal });
      return root;
    });
}

/**
 * How a pull by tag asks for its root. A tag the store names already is likely unchanged: a HEAD tells, and a
 * re-pull then reads no manifest at all (on Docker Hub a HEAD is not counted against the pull rate limit, a GET
 * is). Otherwise the manifest is read anyway, so it is fetched by tag at once: one round trip instead of HEAD then
 * GET by digest, and counted once either way. A digest is resolved by HEAD (content pinned by digest is often
 * stored already).
 */
async function resolveBy(remote: Remote, tagAs: string | undefined): Promise<"head" | "get"> {
  if (tagAs === undefined) return "head";
  const named = await remote.store.resolve(tagAs).catch(() => undefined);
  return named ? "head" : "get";
}

/** A root, everything under it, and the name it gets in the store. */
interface PullPlan {
  root: Descriptor;
  /** The full reference to name the root with in the store (`host/repo:tag`), when pulled by tag. */
  tagAs: string | undefined;
  onBlob: OnBlob;
  /** Where manifests and blobs come from: the mirrors, then the registry. */
  sources: PullSources;
}

async function pullGraph(remote: Remote, plan: PullPlan, reporter: TransferReporter): Promise<void> {
  const { store, options } = remote;
  const { signal } = reporter;
  const limit = limiter(options.concurrency);
  const stored = new Set<string>();
  const graph = await walkGraph(plan.root, {
    maxManifestBytes: options.maxManifestBytes,
    maxGraphBytes: options.maxGraphBytes,
    limit,
    read: async (descriptor) => {
      if (await store.exists(descriptor)) {
        stored.add(descriptor.digest);
        return readStored(store, descriptor, options.maxManifestBytes);
      }
      const bytes = await plan.sources.manifest(descriptor, signal);
      reporter.addTransferred(bytes.byteLength);
      return bytes;
    },
  });
  // The whole transfer's size is known only now that every manifest is read: the percentage starts from it, with the
  // manifests done (counting them as they came, against a total that grew with them, sent it to 99 at once).
  reporter.addTotal(graphBytes(graph));
  reporter.addDone(manifestBytes(graph));
  // Every blob leased in one record before any is looked for (the store leases each as it is checked otherwise):
  // gc elsewhere keeps them until the root is named. A failed lease is not the pull's failure.
  if (isBlobLeaser(store)) await store.leaseBlobs(graph.blobs.map((blob) => blob.digest)).catch(() => {});
  const blobLimit = downloadLimit(options.concurrencyGiven ? options.concurrency : undefined);
  await downloadAll(
    remote,
    { blobs: graph.blobs, limit: blobLimit, onBlob: plan.onBlob, sources: plan.sources },
    reporter,
  );
  // Children before parents, the root last: a manifest is visible only once everything it references is.
  for (const { descriptor, bytes } of graph.manifests) {
    if (signal.aborted) return;
    if (!stored.has(descriptor.digest)) await writeBlob(store, descriptor, bytes);
  }
  if (plan.tagAs !== undefined) await store.tag(plan.root, plan.tagAs);
}

/**
 * The blobs the store lacks, concurrently. Fail fast, but settle: the first failure stops the other downloads
 * (they close their ingests and keep their partials for a rerun), and this ends only once they have, so nothing
 * writes into the store after the `failed` event (a caller may delete the store or close the client on seeing it).
 */
async function downloadAll(
  remote: Remote,
  work: { blobs: Descriptor[]; limit: (blob: Descriptor) => Limit; onBlob: OnBlob; sources: PullSources },
  reporter: TransferReporter,
): Promise<void> {
  const { store } = remote;
  const stop = new AbortController();
  const signal = AbortSignal.any([reporter.signal, stop.signal]);
  let failure: { error: unknown } | undefined;
  // Where each blob came from, recorded in batches beside the downloads; all are done before this ends.
  const notes = sourceNotes(store, remote.reference);
  // Which blobs the store holds, asked of all at once where it can tell them together (store-fs: one listing instead
  // of a stat per blob); else each is asked just before its download.
  const held = isBatchBlobChecker(store) ? await store.existsAll(work.blobs) : undefined;
  await Promise.allSettled(
    work.blobs.map((blob, i) =>
      work
        .limit(blob)(async () => {
          if (signal.aborted) return;
          if (held ? held[i] : await store.exists(blob)) {
            reporter.addDone(blob.size);
            notifyBlob(work.onBlob, blob, blob.size);
            return;
          }
          await work.sources.download(blob, blobReport(reporter, work.onBlob, blob), signal);
          // Remember where the blob came from: a later push to another repository of this registry can mount it.
          notes.note(blob.digest);
        })
        .catch((error: unknown) => {
          failure ??= { error };
          stop.abort(error);
        }),
    ),
  );
  await notes.flush();
  if (failure) throw failure.error;
}
