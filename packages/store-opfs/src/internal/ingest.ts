// The page's half of an ingest: a writer opened in the store's worker (writer.ts), which hashes and writes what the
// page transfers to it (spec-types' workerIngest: a few reused 2 MiB buffers, pipelined, a BYOB read straight into
// them for a whole body). The page never hashes or writes.
import {
  type Descriptor,
  type Ingest,
  type IngestOptions,
  presentIngest,
  requireIngestable,
  webStorageError,
  workerIngest,
} from "@toci/spec-types";
import type { OpenReply, WorkerChannel } from "./rpc.js";

/** Opens a writer in the worker; an ingest of a stored blob is complete at once. */
export async function openIngest(
  channel: WorkerChannel,
  store: string,
  descriptor: Descriptor,
  options: IngestOptions = {},
): Promise<Ingest> {
  requireIngestable(descriptor);
  const what = `cannot start the ingest of ${descriptor.digest}`;
  const reply = await channel
    .call<OpenReply>({
      op: "open",
      store,
      descriptor: { digest: descriptor.digest, size: descriptor.size },
      resume: options.resume !== false,
    })
    .catch((error: unknown) => {
      throw webStorageError(error, what);
    });
  if ("present" in reply) return presentIngest(descriptor);
  return workerIngest(channel, descriptor, reply);
}
