// @toci/store-indexeddb/writer-worker: ingests in a dedicated worker (worker.ts), for apps that ask for one
// (`indexedDbStore(name, { worker: writerWorker(url) })`). An entry of its own, so that an app that does not use it
// ships none of it. Each store starts its worker on its first ingest (a store that only reads never starts one); a
// worker that failed fails its writers (STORE), and the next ingest starts a new one, which resumes their partials.
import { type Descriptor, type Ingest, type IngestOptions, OciError, workerChannel } from "@toci/spec-types";
import type { WriterChannel, WriterRequest } from "./internal/rpc.js";
import { ingestInWorker } from "./internal/worker-ingest.js";

/** Ingests of one store's database in a worker; made by {@link writerWorker}, used by `indexedDbStore`. */
export interface WorkerIngests {
  ingest(descriptor: Descriptor, options?: IngestOptions): Promise<Ingest>;
  /** Stops the worker, if it started; later ingests fail with CLOSED. */
  close(): void;
}

/** What the `worker` option of `indexedDbStore` takes: a way to start a store's writer worker. */
export interface WriterWorker {
  /**
   * Ingests into the database `database` with segments of `segmentSize` bytes, in a worker started on first use;
   * blobs up to `wholeDigestMax` bytes are verified whole at commit (the store's option; absent, the worker's default).
   */
  start(database: string, segmentSize: number, wholeDigestMax?: number): WorkerIngests;
}

/**
 * A writer worker from the script at `url`: the package's `@toci/store-indexeddb/worker` export (with vite,
 * `import url from "@toci/store-indexeddb/worker?worker&url"`).
 */
export function writerWorker(url: string | URL): WriterWorker {
  return {
    start(database, segmentSize, wholeDigestMax) {
      const worker = lazyWorker(database, url);
      return {
        async ingest(descriptor, options) {
          const ctx = { channel: await worker.channel(), database, segmentSize, wholeDigestMax };
          return ingestInWorker(ctx, descriptor, options);
        },
        close: () => worker.close(),
      };
    },
  };
}

/** The channel to a writer worker, started on first use; `close` stops it (if it started). */
interface LazyWorker {
  channel(): Promise<WriterChannel>;
  close(): void;
}

function lazyWorker(database: string, url: string | URL): LazyWorker {
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
  const channel = workerChannel<WriterRequest>(worker, {
    worker: `the writer worker of the IndexedDB store ${database}`,
    store: database,
    silent: "it stopped",
  });
  try {
    await channel.call({ op: "ping" });
  } catch (error) {
    channel.close();
    throw error instanceof OciError ? error : new OciError("STORE", `the writer worker did not start`);
  }
  return channel;
}
