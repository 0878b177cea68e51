// The page's half of an ingest that the store's writer worker (../worker.ts) hashes and stores: a writer opened
// there, fed by spec-types' workerIngest (a few reused 2 MiB buffers transferred, pipelined, a BYOB read straight
// into them for a whole body). Hashing (hash-wasm), building the segment Blobs and the transactions run in the
// worker.
import { type Descriptor, type Ingest, type IngestOptions, openWorkerIngest } from "@toci/spec-types";
import type { WriterChannel } from "./rpc.js";

/** What a worker ingest needs from its store. */
export interface WorkerIngestContext {
  channel: WriterChannel;
  database: string;
  segmentSize: number;
  wholeDigestMax: number | undefined;
}

/** Opens a writer in the worker; an ingest of a stored blob is complete at once. */
export function ingestInWorker(
  ctx: WorkerIngestContext,
  descriptor: Descriptor,
  options: IngestOptions = {},
): Promise<Ingest> {
  const { mediaType, digest, size } = descriptor;
  return openWorkerIngest(ctx.channel, descriptor, {
    op: "open",
    database: ctx.database,
    segmentSize: ctx.segmentSize,
    wholeDigestMax: ctx.wholeDigestMax,
    descriptor: { mediaType, digest, size },
    resume: options.resume !== false,
  });
}
