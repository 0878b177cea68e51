// Starting the store's writer worker (../worker.ts), when the app asks for one (`workerUrl`), on the first ingest: a
// store that only reads never starts one. A worker that failed fails its writers (STORE), and the next ingest starts
// a new one, which resumes their partials.
import { OciError } from "@toci/spec-types";
import { type WriterChannel, writerChannel } from "./rpc.js";

/** The channel to a writer worker, started on first use; `close` stops it (if it started). */
export interface LazyWorker {
  channel(): Promise<WriterChannel>;
  close(): void;
}

export function lazyWorker(database: string, url: string | URL): LazyWorker {
  let started: Promise<WriterChannel> | undefined;
  let current: WriterChannel | undefined;
  let closed = false;
  return {
    async channel() {
      if (closed) throw new OciError("CLOSED", `the store ${database} is closed`);
      if (current?.ended) started = undefined;
      started ??= start(database, url).then(
        (c) => (current = c),
        (error: unknown) => {
          started = undefined; // the next ingest tries again
          throw error;
        },
      );
      return started;
    },
    close() {
      closed = true;
      started?.then((c) => c.close()).catch(() => {});
    },
  };
}

/**
 * Starts the worker and waits for its first answer, so that a script that cannot load fails the first ingest with a
 * clear STORE error (and every one after it), instead of a write that never returns.
 */
async function start(database: string, url: string | URL): Promise<WriterChannel> {
  // Only from the URL the app gives: a `new Worker(new URL("../worker.js", import.meta.url))` here would make every
  // bundler ship the worker with every app (5 KB gzipped), whether it asks for one or not.
  const worker = new Worker(url, { type: "module", name: "toci-indexeddb" });
  const channel = writerChannel(worker, database);
  try {
    await channel.call({ op: "ping" });
  } catch (error) {
    channel.close();
    throw error instanceof OciError ? error : new OciError("STORE", `the writer worker did not start`);
  }
  return channel;
}
