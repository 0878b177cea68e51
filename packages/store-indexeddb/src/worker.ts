// The IndexedDB store's writer worker: it hashes blob bytes and stores them, so that a pull costs the page's main
// thread only reading the response and posting its buffers here (transferred, not copied). It runs the store's own
// ingest (internal/ingest.ts) against the same database: partials, resume, verification before the commit and the
// writers' Web Locks are the same as on the page. The page starts it (writer-worker.ts) and speaks
// internal/rpc.ts to it; it is shipped as its own file so that a bundler finds it from
// `new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`.
import {
  type Ingest,
  isBlobAppender,
  serveWorkerRequests,
  type WorkerAnswer,
  type WorkerScopeLike,
  type WriterOpenReply,
} from "@toci/spec-types";
import { blobRecord } from "./internal/blobs.js";
import { type Database, openDatabase } from "./internal/database.js";
import { defaultWholeDigestMax, openIngest } from "./internal/ingest.js";
import type { WriterRequest } from "./internal/rpc.js";

interface Writer {
  ingest: Ingest;
  /** The writes in order: the page pipelines them, and an ingest takes one at a time. */
  queue: Promise<void>;
}

const databases = new Map<string, Promise<Database>>();
const writers = new Map<number, Writer>();
let nextWriter = 0;

function database(name: string): Promise<Database> {
  let db = databases.get(name);
  if (!db) {
    db = openDatabase(indexedDB, name);
    db.catch(() => databases.delete(name));
    databases.set(name, db);
  }
  return db;
}

function writer(id: number): Writer {
  const found = writers.get(id);
  if (!found) throw new DOMException(`no writer ${id}`, "InvalidStateError");
  return found;
}

/** After the writes queued before it, ends a writer (taken out of the table: the operations that end it run once). */
async function ending(id: number, end: (ingest: Ingest) => Promise<void>): Promise<undefined> {
  const found = writer(id);
  writers.delete(id);
  await found.queue.catch(() => {}); // a failed write: the page was told, and the partial counts what is stored
  await end(found.ingest);
  return undefined;
}

async function answer(request: WriterRequest): Promise<WorkerAnswer> {
  switch (request.op) {
    case "ping":
      return { value: "pong" };
    case "open": {
      const db = await database(request.database);
      if ((await blobRecord(db, request.descriptor.digest))?.size === request.descriptor.size) {
        return { value: { present: true } satisfies WriterOpenReply };
      }
      const max = request.wholeDigestMax;
      const ctx = { db, segmentSize: request.segmentSize, wholeDigestMax: max ?? defaultWholeDigestMax() };
      const ingest = await openIngest(ctx, request.descriptor, { resume: request.resume });
      const id = nextWriter++;
      writers.set(id, { ingest, queue: Promise.resolve() });
      const blobSegment = isBlobAppender(ingest) ? ingest.blobSegment : undefined;
      return { value: { writer: id, offset: ingest.offset, blobSegment } satisfies WriterOpenReply };
    }
    case "write": {
      const w = writer(request.writer);
      const { buffer, length } = request;
      // A failed write fails the ones queued after it too: an ingest's bytes are a prefix, never a gap.
      w.queue = w.queue.then(() => w.ingest.write(new Uint8Array(buffer, 0, length)));
      await w.queue;
      // The ingest copied the bytes: the buffer goes back to the page, which fills it again.
      return { value: { buffer }, transfer: [buffer] };
    }
    case "blob": {
      const w = writer(request.writer);
      const { ingest } = w;
      if (!isBlobAppender(ingest)) throw new DOMException("this writer takes no Blobs", "NotSupportedError");
      // In order with the writes, as they are (a Blob's structured clone shares its bytes).
      w.queue = w.queue.then(() => ingest.appendBlob(request.blob));
      await w.queue;
      return { value: undefined };
    }
    case "commit":
      return { value: await ending(request.writer, (i) => i.commit()) };
    case "close":
      return { value: await ending(request.writer, (i) => i.close()) };
    case "abort":
      return { value: await ending(request.writer, (i) => i.abort()) };
  }
}

serveWorkerRequests(self as unknown as WorkerScopeLike, answer);
