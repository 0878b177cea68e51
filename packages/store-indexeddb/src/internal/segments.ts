// How an ingest's bytes reach IndexedDB: in segments of `segmentSize` bytes, each one Blob value, built by
// `new Response(stream).blob()` from the chunks as they are written. The bytes then go from JS into the browser's
// blob storage once (a copy of each chunk, because the caller may reuse its buffer) instead of through a JS buffer,
// a `new Blob([buffer])` and a structured clone: bytes put into IndexedDB as JS values cost 3-4 copies each and
// cap near 0.2 × a Node pull, while Blob values that never return to JS reach ~0.6 × (Chromium 156, on-disk
// profile; docs/architecture.md §6.6). Puts are pipelined: a segment is stored while the next one fills, with at most two in flight, and each
// put writes the segment and the partial record that counts it in one transaction, so that a page that dies at any
// moment leaves a partial whose record matches its stored segments (what a resumed ingest continues).
import type { Digest } from "@toci/spec-types";
import type { PartialRecord } from "../records.js";
import type { Database } from "./database.js";

/** Bytes queued in a segment's stream before a write waits for the blob storage to take them. */
const SEGMENT_QUEUE_BYTES = 8 * 1024 * 1024;
/** Segment puts in flight at once: one being stored while the next fills, as measured best (pipelined, ≤ 2). */
const MAX_PENDING_PUTS = 2;

/** Where a sink's segments go, and what the partial record already counts. */
export interface SinkTarget {
  digest: Digest;
  ingestId: string;
  owner: string;
  segmentSize: number;
  /** Bytes and values already stored (a resumed partial). */
  stored: { size: number; count: number };
}

/** Appends bytes to an ingest's chunk range, a segment at a time. */
export interface SegmentSink {
  /** Bytes and values stored so far (committed puts only). */
  readonly stored: { readonly size: number; readonly count: number };
  /** Copies `chunk` into the current segment; stores the segment once it is full. Throws a failed put's error. */
  append(chunk: Uint8Array): Promise<void>;
  /**
   * Stores `blob` as one value of its own, as it is (after the current segment, stored first): bytes that came from
   * the network as a Blob never enter JavaScript. Resolves once its put is queued; throws a failed put's error.
   */
  appendBlob(blob: Blob): Promise<void>;
  /** Stores the current (possibly short) segment, waits for every put, and marks the partial `closed` or open. */
  flush(closed: boolean): Promise<void>;
  /** Drops the current segment and waits for the puts in flight to settle (their errors are not reported). */
  cancel(): Promise<void>;
}

export function segmentSink(db: Database, target: SinkTarget): SegmentSink {
  return new Sink(db, target);
}

class Sink implements SegmentSink {
  readonly #db: Database;
  readonly #target: SinkTarget;
  #stored: { size: number; count: number };
  /** Values and bytes given to puts, stored or not yet. */
  #count: number;
  #queued: number;
  #segment: Segment | undefined;
  #failure: unknown;
  readonly #pending: Promise<void>[] = [];
  #chain: Promise<void> = Promise.resolve();

  constructor(db: Database, target: SinkTarget) {
    this.#db = db;
    this.#target = target;
    this.#stored = { ...target.stored };
    this.#count = target.stored.count;
    this.#queued = target.stored.size;
  }

  get stored() {
    return this.#stored;
  }

  async append(chunk: Uint8Array): Promise<void> {
    this.#rethrow();
    const { segmentSize } = this.#target;
    let at = 0;
    while (at < chunk.byteLength) {
      this.#segment ??= openSegment();
      const n = Math.min(segmentSize - this.#segment.bytes, chunk.byteLength - at);
      await this.#segment.append(chunk.subarray(at, at + n));
      at += n;
      if (this.#segment.bytes === segmentSize) {
        this.#put(false);
        await this.#queueRoom();
      }
    }
  }

  async appendBlob(blob: Blob): Promise<void> {
    this.#rethrow();
    if (this.#segment) this.#put(false);
    this.#put(false, blob);
    await this.#queueRoom();
  }

  /** Waits until fewer than MAX_PENDING_PUTS puts are in flight; throws a failed put's error. */
  async #queueRoom(): Promise<void> {
    while (this.#pending.length > MAX_PENDING_PUTS - 1) await this.#pending.shift();
    this.#rethrow();
  }

  async flush(closed: boolean): Promise<void> {
    this.#put(closed);
    await Promise.all(this.#pending.splice(0));
    this.#rethrow();
  }

  async cancel(): Promise<void> {
    this.#segment?.cancel();
    this.#segment = undefined;
    this.#failure ??= new Error("cancelled");
    await Promise.all(this.#pending.splice(0));
  }

  /**
   * Queues the put of `given`, or else ends the current segment (if any) and queues its put, with the partial
   * record that counts it.
   */
  #put(closed: boolean, given?: Blob): void {
    const { digest, ingestId, owner } = this.#target;
    const index = this.#count;
    const blob = given ? Promise.resolve(given) : this.#segment?.finish();
    if (blob) {
      this.#count++;
      this.#queued += given ? given.size : (this.#segment?.bytes ?? 0);
    }
    if (!given) this.#segment = undefined;
    const after = { size: this.#queued, count: this.#count };
    const record: PartialRecord = { ...after, owner, closed, updatedAt: Date.now() };
    // Sequential: a put starts once the one before it committed, and none starts after a failure.
    this.#chain = this.#chain.then(async () => {
      if (this.#failure) return;
      try {
        const value = blob && (await blob);
        await this.#db.transact(
          ["chunks", "partials"],
          (tx) => {
            if (value) tx.objectStore("chunks").put(value, [digest, ingestId, index]);
            tx.objectStore("partials").put(record, [digest, ingestId]);
          },
          "relaxed", // resumable and re-hashed anyway; the commit transaction is the durable one
        );
        this.#stored = after;
      } catch (error) {
        this.#failure ??= error;
      }
    });
    this.#pending.push(this.#chain);
  }

  #rethrow(): void {
    if (this.#failure) throw this.#failure;
  }
}

/** One segment being filled: a stream that `Response.blob()` drains into the browser's blob storage. */
interface Segment {
  readonly bytes: number;
  append(chunk: Uint8Array): Promise<void>;
  finish(): Promise<Blob>;
  cancel(): void;
}

function openSegment(): Segment {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let wake: (() => void) | undefined;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        wake?.();
        wake = undefined;
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: SEGMENT_QUEUE_BYTES }),
  );
  const blob = new Response(stream).blob();
  blob.catch(() => {}); // a cancelled segment's blob fails; nobody waits for it
  let bytes = 0;
  return {
    get bytes() {
      return bytes;
    },
    async append(chunk) {
      // A copy, since the caller may reuse its buffer once write() resolves; not `chunk.slice()`, which on a Node
      // Buffer (fake-indexeddb in Node) is a view of the caller's memory.
      controller.enqueue(new Uint8Array(chunk));
      bytes += chunk.byteLength;
      if ((controller.desiredSize ?? 1) <= 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    finish() {
      controller.close();
      return blob;
    },
    cancel() {
      controller.error(new Error("the segment was dropped"));
    },
  };
}
