// The page ↔ worker protocol of the store's writer worker (worker.ts): the requests and replies over spec-types'
// worker channel (one request, one reply; buffers transferred; errors as data).
import type { BlobIngestMessage, Descriptor, WorkerChannel } from "@toci/spec-types";

/** What the page asks the worker. `writer` is an id the worker gave on `open`. */
export type WriterRequest =
  | { op: "ping" }
  | {
      op: "open";
      database: string;
      segmentSize: number;
      /** The store's `wholeDigestMax`, if it was given (else the worker's default). */
      wholeDigestMax?: number;
      descriptor: Pick<Descriptor, "mediaType" | "digest" | "size">;
      resume: boolean;
    }
  | { op: "write"; writer: number; buffer: ArrayBuffer; length: number }
  | BlobIngestMessage
  | { op: "commit" | "close" | "abort"; writer: number };

/** The page's end of the channel. */
export type WriterChannel = WorkerChannel<WriterRequest>;
