// The store's writer threads: its ingests spread over a few workers, each new one opened on the worker with the
// fewest ingests open. One worker does all of a blob's work in its own thread: the writes, and at commit the file
// read back and its digest, which Chromium's WebCrypto runs on the calling thread (~130 ms per 64 MiB here). With
// one worker, the blobs of a pull, which finish together, were verified one after another, the writes of the others
// waiting meanwhile: 0.7 s of a 1.9 s pull of 4 × 64 MiB (README, "Speed"). Every worker serves the same layout,
// under the same Web Locks.
import { type Ingest, isBodyWriter } from "@toci/spec-types";
import type { WorkerChannel } from "./rpc.js";

export interface WriterPool {
  /** Opens an ingest, through `open`, on the live worker with the fewest open ones (any, when none is live). */
  ingest(open: (channel: WorkerChannel) => Promise<Ingest>): Promise<Ingest>;
  /** Stops every worker. */
  close(): void;
}

/** Starts `size` writers (in parallel) and spreads ingests over them. */
export async function writerPool(start: () => Promise<WorkerChannel>, size: number): Promise<WriterPool> {
  const started = await Promise.allSettled(Array.from({ length: size }, start));
  const channels = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    for (const channel of channels) channel.close();
    throw failed.reason;
  }
  const open = channels.map(() => 0);
  return {
    async ingest(openOn) {
      // A worker that died has its ingests failed and uncounted: the fewest open, but it fails every new one.
      const live = channels.flatMap((channel, i) => (channel.ended ? [] : [i]));
      const candidates = live.length > 0 ? live : channels.map((_, i) => i);
      const i = candidates.reduce((best, j) => ((open[j] ?? 0) < (open[best] ?? 0) ? j : best));
      open[i] = (open[i] ?? 0) + 1;
      let ended = false;
      const end = () => {
        if (!ended) open[i] = (open[i] ?? 1) - 1;
        ended = true;
      };
      try {
        return counted(await openOn(channels[i] as WorkerChannel), end);
      } catch (error) {
        end();
        throw error;
      }
    },
    close() {
      for (const channel of channels) channel.close();
    },
  };
}

/** `ingest`, calling `end` once it is over (committed, closed or aborted, whether that succeeded or not). */
function counted(ingest: Ingest, end: () => void): Ingest {
  const ending =
    <T>(settle: () => Promise<T>) =>
    () =>
      settle().finally(end);
  const wrapped: Ingest = {
    descriptor: ingest.descriptor,
    get offset() {
      return ingest.offset;
    },
    write: (chunk) => ingest.write(chunk),
    commit: ending(() => ingest.commit()),
    abort: ending(() => ingest.abort()),
    close: ending(() => ingest.close()),
  };
  if (!isBodyWriter(ingest)) return wrapped;
  return Object.assign(wrapped, { writeBody: ingest.writeBody.bind(ingest) });
}
