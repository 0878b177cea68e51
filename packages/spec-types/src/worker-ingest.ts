// The page's half of an ingest whose hashing and writing run in a worker (the OPFS store's writer, the IndexedDB
// store's optional writer worker): it copies what `write` is given into a few reused buffers, or has a body read
// straight into them (`writeBody`), and transfers each full one to the worker, which hands it back once its bytes
// are hashed and written. The page never hashes or writes, so a pull costs its main thread one message per buffer.
// Writes are pipelined: a write resolves once its bytes are copied, unless MAX_IN_FLIGHT buffers are already with
// the worker; a failure there (a full quota, a worker that died) fails the next write, commit or close.
import type { BlobAppender } from "./blob-appender.js";
import type { BodyWriter, WriteBodyOptions } from "./body-writer.js";
import type { Descriptor } from "./descriptor.js";
import { OciError } from "./errors.js";
import { presentIngest } from "./present-ingest.js";
import type { Ingest } from "./store.js";
import { checkAppend, requireIngestable } from "./verify.js";
import { webStorageError } from "./web-storage.js";

/** What the page asks of a writer the worker opened: bytes (transferred), then one of commit, close or abort. */
export type IngestMessage =
  | { op: "write"; writer: number; buffer: ArrayBuffer; length: number }
  | { op: "commit" | "close" | "abort"; writer: number };

/** A Blob for a writer whose worker said it takes them (`WriterOpened.blobSegment`): sent to no other worker. */
export interface BlobIngestMessage {
  op: "blob";
  writer: number;
  blob: Blob;
}

/** The page's end of a channel to the worker: one request, one reply (a `write` is answered with its buffer). */
export interface IngestChannel {
  // Only ArrayBuffers are transferred (no DOM `Transferable` type: the package type-checks without the DOM lib).
  call<T>(request: IngestMessage, transfer?: ArrayBuffer[]): Promise<T>;
}

/**
 * The worker's answer to opening a writer: its id, and the bytes it already holds (a resumed partial); with
 * `blobSegment`, its ingest takes Blobs (BlobAppender), and so does the page's half (a `blob` message each).
 */
export interface WriterOpened {
  writer: number;
  offset: number;
  blobSegment?: number;
}

/**
 * Bytes per message to the worker. 2 MiB: Chromium hands fetch bodies over in chunks of up to 2 MiB, and fewer,
 * larger messages cost the page less; the worker hashes and writes one in a few ms.
 */
const BUFFER_BYTES = 2 * 1024 * 1024;
/** Buffers with the worker at once: enough to keep it busy while the page fills the next one (8 MiB in all). */
const MAX_IN_FLIGHT = 4;

/** What a worker answers a request to open a writer: the writer and what it holds, or that the blob is stored. */
export type WriterOpenReply = WriterOpened | { present: true };

/**
 * Asks the worker to open a writer (`open`: the store's request for it) and makes the page's half of its ingest; an
 * ingest of a blob the store holds is complete at once. An error the worker sends back becomes STORE (a full quota
 * included: webStorageError).
 */
export async function openWorkerIngest<Request>(
  channel: IngestChannel & { call<T>(request: Request): Promise<T> },
  descriptor: Descriptor,
  open: Request,
): Promise<Ingest> {
  requireIngestable(descriptor);
  const reply = await channel.call<WriterOpenReply>(open).catch((error: unknown) => {
    throw webStorageError(error, `cannot start the ingest of ${descriptor.digest}`);
  });
  if ("present" in reply) return presentIngest(descriptor);
  return workerIngest(channel, descriptor, reply);
}

/** The page's half of an ingest of `descriptor` over a writer the worker opened. */
export function workerIngest(
  channel: IngestChannel,
  descriptor: Descriptor,
  opened: WriterOpened,
): Ingest & BodyWriter {
  return new WorkerIngest(channel, descriptor, opened);
}

class WorkerIngest implements Ingest, BodyWriter, Partial<BlobAppender> {
  readonly descriptor: Descriptor;
  /** Set, with appendBlob, only when the worker's ingest takes Blobs (isBlobAppender tells by appendBlob). */
  readonly blobSegment?: number;
  readonly appendBlob?: (blob: Blob) => Promise<void>;
  readonly #channel: IngestChannel;
  readonly #writer: number;
  readonly #pool: ArrayBuffer[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #offset: number;
  #buffer: Uint8Array | undefined;
  #filled = 0;
  #failure: unknown;
  #done = false;

  constructor(channel: IngestChannel, descriptor: Descriptor, opened: WriterOpened) {
    this.descriptor = descriptor;
    this.#channel = channel;
    this.#writer = opened.writer;
    this.#offset = opened.offset;
    if (opened.blobSegment !== undefined) {
      this.blobSegment = opened.blobSegment;
      this.appendBlob = (blob) => this.#appendBlob(blob);
    }
  }

  get offset(): number {
    return this.#offset;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#ensureOpen();
    checkAppend(this.descriptor, this.#offset, chunk.byteLength);
    this.#rethrow();
    let at = 0;
    while (at < chunk.byteLength) {
      this.#buffer ??= new Uint8Array(this.#pool.pop() ?? new ArrayBuffer(this.#bufferSize()));
      const n = Math.min(this.#buffer.length - this.#filled, chunk.byteLength - at);
      this.#buffer.set(chunk.subarray(at, at + n), this.#filled);
      this.#filled += n;
      at += n;
      if (this.#filled === this.#buffer.length) await this.#send();
    }
    this.#offset += chunk.byteLength;
  }

  /**
   * The body read straight into the buffers that go to the worker, one BYOB read filling each (BodyWriter; the client
   * prefers it): the page copies nothing itself and posts one message per 2 MiB. A read that fails takes its buffer
   * with it (a BYOB read owns it), so a cut body loses the bytes of the buffer being filled, never counted, and, in
   * Chromium, what it had not yet read from the connection (it fails a body as soon as the connection fails): the
   * resumed download asks for them again.
   */
  async writeBody(body: ReadableStream<Uint8Array>, options: WriteBodyOptions = {}): Promise<void> {
    this.#ensureOpen();
    this.#rethrow();
    const byob = byobReader(body);
    if (!byob) {
      // Not a byte stream: chunk by chunk.
      return consume(body.getReader(), async (reader) => {
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          await this.write(r.value);
          options.progress?.(this.#offset);
        }
      });
    }
    return consume(byob, async (reader) => {
      if (this.#filled > 0) await this.#send(); // what write() left, first
      for (let done = false; !done; ) {
        const left = this.descriptor.size - this.#offset;
        const buffer = this.#pool.pop() ?? new ArrayBuffer(this.#bufferSize());
        // One byte past the blob's end is asked for too: a body longer than the blob shows itself, and is refused.
        const room = Math.min(buffer.byteLength, left + 1);
        const min = Math.max(1, Math.min(room, left));
        const read = await (reader as MinReader).read(new Uint8Array(buffer, 0, room), { min });
        done = read.done;
        const n = read.value?.byteLength ?? 0;
        checkAppend(this.descriptor, this.#offset, n);
        if (n === 0) continue;
        this.#buffer = new Uint8Array(read.value!.buffer as ArrayBuffer);
        this.#filled = n;
        this.#offset += n;
        await this.#send();
        options.progress?.(this.#offset);
      }
      await this.#drain(); // resolved once the worker has every byte: a failure there is this body's
    });
  }

  /** A Blob to the worker as it is (a structured clone of a Blob shares its bytes), after what write() buffered. */
  async #appendBlob(blob: Blob): Promise<void> {
    this.#ensureOpen();
    checkAppend(this.descriptor, this.#offset, blob.size);
    this.#rethrow();
    if (this.#filled > 0) await this.#send();
    this.#offset += blob.size;
    // Only a worker that declared blobSegment gets this message, so its channel speaks it (IngestMessage does not
    // list it: the OPFS worker's requests need not).
    const channel = this.#channel as unknown as { call<T>(request: BlobIngestMessage): Promise<T> };
    this.#track(channel.call<void>({ op: "blob", writer: this.#writer, blob }).then(() => {}));
    if (this.#inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.#inFlight);
    this.#rethrow();
  }

  async commit(): Promise<void> {
    this.#ensureOpen();
    this.#done = true;
    try {
      await this.#drain();
    } catch (error) {
      // Not written (a full quota, a worker gone): what the worker holds stays a partial a later ingest resumes.
      await this.#channel.call({ op: "close", writer: this.#writer }).catch(() => {});
      throw webStorageError(error, `cannot write ${this.descriptor.digest}`);
    }
    // The worker verifies size and digest, then commits (a move, a marker); on a mismatch it drops the partial.
    await this.#channel.call({ op: "commit", writer: this.#writer }).catch((error: unknown) => {
      throw webStorageError(error, `cannot commit ${this.descriptor.digest}`);
    });
  }

  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await Promise.allSettled(this.#inFlight);
    await this.#channel.call({ op: "abort", writer: this.#writer }).catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    // What the worker wrote stays (after a failed write, up to the last good byte): the next ingest resumes it.
    await this.#drain().catch(() => {});
    await this.#channel.call({ op: "close", writer: this.#writer }).catch(() => {});
  }

  /** Smaller than a full buffer for a small blob: no 2 MiB buffer for a 300-byte manifest. */
  #bufferSize(): number {
    return Math.min(BUFFER_BYTES, Math.max(this.descriptor.size - this.#offset, 1));
  }

  async #send(): Promise<void> {
    const buffer = this.#buffer?.buffer as ArrayBuffer;
    const length = this.#filled;
    this.#buffer = undefined;
    this.#filled = 0;
    const reply = this.#channel.call<{ buffer: ArrayBuffer }>({ op: "write", writer: this.#writer, buffer, length }, [
      buffer,
    ]);
    this.#track(
      reply.then((answer) => {
        if (answer.buffer.byteLength === BUFFER_BYTES) this.#pool.push(answer.buffer);
      }),
    );
    if (this.#inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.#inFlight);
    this.#rethrow();
  }

  /** A message to the worker in flight until it is answered; its failure fails the next write, commit or close. */
  #track(answered: Promise<void>): void {
    const sent: Promise<void> = answered
      .catch((error: unknown) => {
        this.#failure ??= error;
      })
      .finally(() => this.#inFlight.delete(sent));
    this.#inFlight.add(sent);
  }

  /** Sends what is buffered and waits for the worker to have written everything. */
  async #drain(): Promise<void> {
    this.#rethrow();
    if (this.#filled > 0) await this.#send();
    await Promise.all(this.#inFlight);
    this.#rethrow();
  }

  #rethrow(): void {
    if (this.#failure !== undefined) throw webStorageError(this.#failure, `cannot write ${this.descriptor.digest}`);
  }

  #ensureOpen(): void {
    if (this.#done) throw new OciError("CLOSED", `the ingest of ${this.descriptor.digest} is finished`);
  }
}

/** `read(view, { min })` (Streams standard, https://streams.spec.whatwg.org/#byob-reader-read), which TypeScript's
 * DOM types lack: a read resolves once `min` bytes are in the view, or at the end of the body. */
interface MinReader {
  read(view: Uint8Array, options: { min: number }): Promise<ReadableStreamReadResult<Uint8Array>>;
}

/** Runs `read` with the reader; a failure cancels the body with its error. The reader is let go either way. */
async function consume<R extends ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader>(
  reader: R,
  read: (reader: R) => Promise<void>,
): Promise<void> {
  try {
    await read(reader);
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}

function byobReader(body: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | undefined {
  try {
    return body.getReader({ mode: "byob" });
  } catch {
    return undefined; // not a byte stream
  }
}
