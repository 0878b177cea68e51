// The page's half of an ingest that a writer worker hashes and stores (../worker.ts): the page copies what `write` is
// given into a few reused 2 MiB buffers, or has a body read straight into them (`writeBody`), and transfers each full
// one to the worker, which takes it back once its bytes are hashed and queued for IndexedDB. A pull then costs the
// page's main thread reading the response and one message per 2 MiB; hashing (hash-wasm), building the segment
// Blobs and the transactions run in the worker. Writes are pipelined: a write resolves once its bytes are copied,
// unless MAX_IN_FLIGHT buffers are already with the worker; a failure there (a full quota, a worker that died)
// fails the next write, commit or close.
import {
  type BodyWriter,
  checkAppend,
  type Descriptor,
  type Ingest,
  type IngestOptions,
  OciError,
  presentIngest,
  requireIngestable,
  type WriteBodyOptions,
  webStorageError,
} from "@toci/spec-types";
import type { OpenReply, WriterChannel } from "./rpc.js";

/** Bytes per message: Chromium hands fetch bodies over in chunks of up to 2 MiB; fewer messages cost the page less. */
const BUFFER_BYTES = 2 * 1024 * 1024;
/** Buffers with the worker at once: enough to keep it busy while the page fills the next one (8 MiB in all). */
const MAX_IN_FLIGHT = 4;

/** What a worker ingest needs from its store. */
export interface WorkerIngestContext {
  channel: WriterChannel;
  database: string;
  segmentSize: number;
}

/** Opens a writer in the worker; an ingest of a stored blob is complete at once. */
export async function openWorkerIngest(
  ctx: WorkerIngestContext,
  descriptor: Descriptor,
  options: IngestOptions = {},
): Promise<Ingest> {
  requireIngestable(descriptor);
  const { mediaType, digest, size } = descriptor;
  const reply = await ctx.channel
    .call<OpenReply>({
      op: "open",
      database: ctx.database,
      segmentSize: ctx.segmentSize,
      descriptor: { mediaType, digest, size },
      resume: options.resume !== false,
    })
    .catch((error: unknown) => {
      throw webStorageError(error, `cannot start the ingest of ${digest}`);
    });
  if ("present" in reply) return presentIngest(descriptor);
  return new WorkerIngest(ctx.channel, descriptor, reply);
}

class WorkerIngest implements Ingest, BodyWriter {
  readonly descriptor: Descriptor;
  readonly #channel: WriterChannel;
  readonly #writer: number;
  readonly #pool: ArrayBuffer[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #offset: number;
  #buffer: Uint8Array | undefined;
  #filled = 0;
  #failure: unknown;
  #done = false;

  constructor(channel: WriterChannel, descriptor: Descriptor, opened: { writer: number; offset: number }) {
    this.descriptor = descriptor;
    this.#channel = channel;
    this.#writer = opened.writer;
    this.#offset = opened.offset;
  }

  get offset(): number {
    return this.#offset;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#check();
    checkAppend(this.descriptor, this.#offset, chunk.byteLength);
    for (let at = 0; at < chunk.byteLength; ) {
      this.#buffer ??= new Uint8Array(this.#take());
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
   * prefers it): the page copies nothing itself. A read that fails takes its buffer with it (a BYOB read owns it),
   * so a cut body loses the bytes of the buffer being filled, never counted: the resumed download asks again.
   */
  async writeBody(body: ReadableStream<Uint8Array>, options: WriteBodyOptions = {}): Promise<void> {
    this.#check();
    let reader: ReadableStreamBYOBReader | ReadableStreamDefaultReader<Uint8Array>;
    try {
      reader = body.getReader({ mode: "byob" });
    } catch {
      reader = body.getReader(); // not a byte stream: chunk by chunk
    }
    try {
      if (reader instanceof ReadableStreamDefaultReader) {
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          await this.write(r.value);
          options.progress?.(this.#offset);
        }
        return;
      }
      if (this.#filled > 0) await this.#send(); // what write() left, first
      for (let done = false; !done; ) {
        const left = this.descriptor.size - this.#offset;
        // One byte past the blob's end is asked for too: a body longer than the blob shows itself, and is refused.
        const buffer = this.#take();
        const view = new Uint8Array(buffer, 0, Math.min(buffer.byteLength, left + 1));
        const room = view.byteLength;
        const read = await (reader as MinReader).read(view, { min: Math.max(1, Math.min(room, left)) });
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
    } catch (error) {
      await reader.cancel(error).catch(() => {});
      throw error;
    } finally {
      reader.releaseLock();
    }
  }

  async commit(): Promise<void> {
    this.#check();
    this.#done = true;
    try {
      await this.#drain();
    } catch (error) {
      // Not written (a full quota): what the worker stored stays a partial that a later ingest resumes.
      await this.#end("close").catch(() => {});
      throw webStorageError(error, `cannot write ${this.descriptor.digest}`);
    }
    // The worker verifies size and digest, then writes the commit marker; on a mismatch it drops the partial.
    await this.#end("commit").catch((error: unknown) => {
      throw webStorageError(error, `cannot commit ${this.descriptor.digest}`);
    });
  }

  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await Promise.allSettled(this.#inFlight);
    await this.#end("abort").catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    // What the worker stored stays (after a failed write, what its partial counts): the next ingest resumes it.
    await this.#drain().catch(() => {});
    await this.#end("close").catch(() => {});
  }

  #end(op: "commit" | "close" | "abort"): Promise<void> {
    return this.#channel.call({ op, writer: this.#writer });
  }

  /** A warm buffer from the pool, or a new one; smaller than 2 MiB for a small blob (no 2 MiB for a manifest). */
  #take(): ArrayBuffer {
    return (
      this.#pool.pop() ?? new ArrayBuffer(Math.min(BUFFER_BYTES, Math.max(this.descriptor.size - this.#offset, 1)))
    );
  }

  async #send(): Promise<void> {
    const buffer = this.#buffer?.buffer as ArrayBuffer;
    const length = this.#filled;
    this.#buffer = undefined;
    this.#filled = 0;
    const sent: Promise<void> = this.#channel
      .call<{ buffer: ArrayBuffer }>({ op: "write", writer: this.#writer, buffer, length }, [buffer])
      .then(
        (reply) => {
          if (reply.buffer.byteLength === BUFFER_BYTES) this.#pool.push(reply.buffer);
        },
        (error: unknown) => {
          this.#failure ??= error;
        },
      )
      .finally(() => this.#inFlight.delete(sent));
    this.#inFlight.add(sent);
    if (this.#inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.#inFlight);
    this.#rethrow();
  }

  /** Sends what is buffered and waits for the worker to have taken everything. */
  async #drain(): Promise<void> {
    if (this.#filled > 0) await this.#send();
    await Promise.all(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Throws when the ingest is finished, or when the worker failed a write. */
  #check(): void {
    this.#rethrow();
    if (this.#done) throw new OciError("CLOSED", `the ingest of ${this.descriptor.digest} is finished`);
  }

  #rethrow(): void {
    if (this.#failure !== undefined) throw webStorageError(this.#failure, `cannot write ${this.descriptor.digest}`);
  }
}

/** `read(view, { min })` (https://streams.spec.whatwg.org/#byob-reader-read), which TypeScript's DOM types lack. */
interface MinReader {
  read(view: Uint8Array, options: { min: number }): Promise<ReadableStreamReadResult<Uint8Array>>;
}
