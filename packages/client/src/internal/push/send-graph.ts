// Sending a walked graph to a repository, for a tree push and a copy alike: first what the destination has of its
// manifests (present.ts: a re-push sends nothing, or the tag alone), then every blob left concurrently (skipped when
// the registry has it, mounted when it may), then the manifests children first and the root last (by tag when
// asked). Nexus and Quay refuse an index whose children are missing, so the order is not an optimisation.
import { type Descriptor, isOciError } from "@toci/spec-types";
import type { Graph } from "../graph.js";
import type { Limit } from "../limiter.js";
import { putManifest } from "../manifest-write.js";
import type { Remote } from "../remote.js";
import { delay } from "../signals.js";
import { type BlobReport, blobReport, movedOnly, type OnBlob, type TransferReporter } from "../transfer.js";
import { remaining } from "./present.js";
import type { BlobSource } from "./source.js";
import { uploadBlob } from "./upload.js";

/** A graph to send, and where its blobs' bytes come from. */
export interface GraphSend {
  graph: Graph;
  root: Descriptor;
  /** The root's tag on the destination; without, the root goes by digest. */
  tag: string | undefined;
  /** The bytes of a blob. */
  open(blob: Descriptor): BlobSource | Promise<BlobSource>;
  /** Repositories of the destination's registry that may hold the blob, to mount it from. */
  mountFrom(blob: Descriptor): Promise<readonly string[]>;
  limit: Limit;
  onBlob: OnBlob;
}

/** How many times lost blobs are sent again before a manifest PUT gives up. */
const REPAIRS = 3;

/** Sends a graph; its bytes are in the reporter's total already (the caller adds them before any is sent). */
export async function sendGraph(dst: Remote, send: GraphSend, reporter: TransferReporter): Promise<void> {
  const { graph, limit } = send;
  const { signal } = reporter;
  const left = await remaining(dst, send, signal);
  const sending = new Set(left.blobs);
  for (const blob of graph.blobs) {
    // Under a manifest the destination has: done, as a blob the registry has is (HEAD) in uploadBlob.
    if (!sending.has(blob)) blobReport(reporter, send.onBlob, blob).at(blob.size);
  }
  await Promise.all(
    left.blobs.map((blob) =>
      limit(async () => {
        if (signal.aborted) return;
        const mountFrom = await send.mountFrom(blob);
        await sendBlob(dst, { send, blob, mountFrom, report: blobReport(reporter, send.onBlob, blob) }, signal);
      }),
    ),
  );
  for (const { descriptor, bytes } of graph.manifests) {
    if (signal.aborted) return;
    const tagged = descriptor.digest === send.root.digest && send.tag !== undefined;
    if (left.present.has(descriptor.digest)) {
      reporter.addDone(descriptor.size);
      continue;
    }
    const reference = tagged ? send.tag! : descriptor.digest;
    await putRepairing(dst, { send, bytes, descriptor, reference, reporter });
    reporter.addDone(descriptor.size);
    reporter.addTransferred(descriptor.size);
  }
}

/** One blob, its source closed when done. */
async function sendBlob(
  dst: Remote,
  job: { send: GraphSend; blob: Descriptor; mountFrom: readonly string[]; report: BlobReport },
  signal: AbortSignal,
): Promise<void> {
  const source = await job.send.open(job.blob);
  const { monolithicMax, chunkSize } = dst.options;
  const tuning = { monolithicMax, chunkSize, mountFrom: job.mountFrom };
  await uploadBlob(dst, { source, expected: job.blob, tuning, report: job.report }, signal).finally(() =>
    source.close(),
  );
}

/**
 * PUTs a manifest; when the registry answers MANIFEST_BLOB_UNKNOWN for blobs of this graph, they are uploaded again
 * (never mounted: the registry just lost such a link) and the PUT retried, a few times, with a pause. distribution
 * loses the repository link of a blob that two clients commit at the same moment (seen with concurrent pushes
 * sharing the empty config), so "uploaded" is not always "there".
 */
async function putRepairing(
  dst: Remote,
  put: { send: GraphSend; bytes: Uint8Array; descriptor: Descriptor; reference: string; reporter: TransferReporter },
): Promise<void> {
  const { signal } = put.reporter;
  for (let attempt = 0; ; attempt++) {
    try {
      await putManifest(dst, { bytes: put.bytes, descriptor: put.descriptor, reference: put.reference, signal });
      return;
    } catch (error) {
      const missing = isOciError(error)
        ? error.errors
            .filter((e) => e.code === "MANIFEST_BLOB_UNKNOWN" && typeof e.detail === "string")
            .map((e) => e.detail as string)
        : [];
      if (!missing.length || attempt >= REPAIRS) throw error;
      dst.logger.warn("the registry lost blobs this push sent; sending them again", { missing, attempt });
      // Let the other client's commit settle before looking again.
      await delay(100 * 2 ** attempt + Math.random() * 100, signal);
      for (const digest of new Set(missing)) {
        const blob = put.send.graph.blobs.find((b) => b.digest === digest);
        if (!blob) throw error;
        await sendBlob(dst, { send: put.send, blob, mountFrom: [], report: movedOnly(put.reporter) }, signal);
      }
    }
  }
}
