// The page's half of an ingest: a writer opened in the store's worker (writer.ts), which hashes and writes what the
// page transfers to it (spec-types' workerIngest: a few reused 2 MiB buffers, pipelined, a BYOB read straight into
// them for a whole body). The page never hashes or writes.
import { type Descriptor, type Ingest, type IngestOptions, openWorkerIngest } from "@toci/spec-types";
import type { WorkerChannel } from "./rpc.js";

/** Opens a writer in the worker; an ingest of a stored blob is complete at once. */
export function openIngest(
  channel: WorkerChannel,
  store: string,
  descriptor: Descriptor,
  options: IngestOptions & { wholeDigestMax: number },
): Promise<Ingest> {
  const { digest, size } = descriptor;
  return openWorkerIngest(channel, descriptor, {
    op: "open",
    store,
    descriptor: { digest, size },
    resume: options.resume !== false,
    wholeDigestMax: options.wholeDigestMax,
  });
}
