// The bytes of one ingest on their way into its file: positional writes, small chunks coalesced, large ones written
// as they are, and the file synced in the background as it grows.
//
// What a kill costs: bytes the caller handed over but that are not yet in the file are lost when the process dies
// (the page cache keeps what write(2) took, even through SIGKILL). So the coalescing buffer is small (COALESCE
// bytes) and a chunk at least that large goes to the file directly, with no copy: per blob in flight, a kill loses
// at most the buffer and the chunk being written.
//
// Early sync: one fsync of a whole large blob at its commit stalls the pull, while syncing as it grows overlaps the
// disk's work with the transfer. A background sync starts every quarter of the blob, at least every EARLY_SYNC_MIN
// and at most every EARLY_SYNC_MAX bytes, so that the commit's own sync flushes a small tail whatever the blob's
// size: with a fixed 32 MiB, blobs of 16 MiB (a platform's layers in an index) were flushed whole at their commit,
// ~30 ms after the last byte that a pull of one platform spent waiting. The syncs of all writers of the
// process take turns (EARLY_SYNCS at a time): libuv runs file operations on a pool of 4 threads, and 4 blobs each
// in a sync of 32 MiB held every thread, so every write waited behind them, the sockets stopped being read, and a
// kill then lost what the kernel had buffered for each of them (megabytes per blob).
import type { FsFileHandle } from "../fs-api.js";

/** Chunks smaller than this are gathered into one write of this size (node:http hands over 64 KiB at a time). */
export const COALESCE = 256 * 1024;
/** The most bytes between background syncs: more in one sync held a pool thread long enough to stall writes. */
const EARLY_SYNC_MAX = 32 * 1024 * 1024;
/** The fewest: below this a blob is flushed at its commit only (a sync costs a journal commit as the size grows). */
const EARLY_SYNC_MIN = 4 * 1024 * 1024;

/** Bytes between background syncs for a blob of `size` bytes: a quarter of it, within EARLY_SYNC_MIN..MAX. */
export function earlySyncEvery(size: number): number {
  return Math.min(EARLY_SYNC_MAX, Math.max(EARLY_SYNC_MIN, Math.floor(size / 4)));
}
/** Background syncs running at once in this process, whatever the number of writers: half libuv's thread pool. */
const EARLY_SYNCS = 2;

/** A blob smaller than this gets a buffer of its own size; a larger one a pooled buffer of COALESCE bytes. */
const POOLED_FROM = 16 * 1024;
/** Buffers kept for the next sinks: a pull of many small blobs allocated (and zeroed) one per blob. */
const SPARE_BUFFERS = 16;
const spare: Uint8Array[] = [];

let syncsRunning = 0;
const syncsWaiting: (() => void)[] = [];

/** Runs `sync` when fewer than EARLY_SYNCS background syncs run. */
async function takeTurn(sync: () => Promise<void>): Promise<void> {
  if (syncsRunning >= EARLY_SYNCS) await new Promise<void>((resolve) => syncsWaiting.push(resolve));
  syncsRunning++;
  try {
    await sync();
  } finally {
    syncsRunning--;
    syncsWaiting.shift()?.();
  }
}

/** fdatasync where the handle has it (the data and the size; not the times), else fsync. */
export function syncData(handle: FsFileHandle): Promise<void> {
  return handle.datasync ? handle.datasync() : handle.sync();
}

/** Writes appended bytes to a file at increasing positions; see the header for what it buffers and syncs. */
export class FileSink {
  readonly #handle: FsFileHandle;
  /** Taken at the first chunk that is buffered; given back by release(). */
  #buffer: Uint8Array | undefined;
  /** The bytes the buffer gathers before a write: COALESCE, or less for a smaller blob. */
  readonly #limit: number;
  #buffered = 0;
  /** Bytes in the file. */
  #written: number;
  /** Bytes covered by the last background sync started. */
  #syncedTo: number;
  /** Bytes written between background syncs (earlySyncEvery of the blob's size). */
  readonly #syncEvery: number;
  #syncing: Promise<void> | undefined;
  // A failed background sync, kept for the commit: Linux reports a writeback error to one fsync per open file, so
  // the commit's own sync could succeed after pages were lost (the hash, taken from memory, would still verify).
  #syncFailure: unknown;
  /** The last write, in case the caller did not wait for it: the handle must not close under it. */
  #writing: Promise<void> = Promise.resolve();

  /** Whether every write is durable when it returns (a file opened with O_DSYNC): sync() then only flushes. */
  readonly #durableWrites: boolean;

  /**
   * A sink appending to `handle` from `position` (the bytes before it are the file's already) up to `expected`;
   * `durableWrites` when the file was opened for synchronous writes (O_DSYNC).
   */
  constructor(handle: FsFileHandle, position: number, expected: number, durableWrites = false) {
    this.#handle = handle;
    this.#durableWrites = durableWrites;
    this.#limit = Math.max(1, Math.min(COALESCE, expected - position));
    this.#written = position;
    this.#syncedTo = position;
    this.#syncEvery = earlySyncEvery(expected);
  }

  /** Bytes in the file or in the buffer. */
  get accepted(): number {
    return this.#written + this.#buffered;
  }

  /**
   * Appends `chunk`. Undefined when it only went into the buffer (most small chunks: no promise, no I/O); else a
   * promise that the caller waits for before the next write and before it reuses `chunk`.
   */
  write(chunk: Uint8Array): Promise<void> | undefined {
    if (this.#buffered + chunk.byteLength < this.#limit) {
      this.#take().set(chunk, this.#buffered);
      this.#buffered += chunk.byteLength;
      return undefined;
    }
    this.#writing = this.#append(chunk);
    return this.#writing;
  }

  /** Writes what is buffered and waits for a background sync; rethrows a failure of either. */
  async flush(): Promise<void> {
    await this.#writing;
    await this.#drain();
    await this.#syncing;
    if (this.#syncFailure !== undefined) throw this.#syncFailure;
  }

  /** flush(), then a sync of everything: the bytes are durable when it resolves. */
  async sync(): Promise<void> {
    await this.flush();
    if (!this.#durableWrites) await syncData(this.#handle);
  }

  /** Waits until no write and no sync of the file runs (before its handle closes); never rejects. */
  async settle(): Promise<void> {
    await this.#writing.catch(() => {});
    await this.#syncing;
  }

  /** Gives the buffer back for other sinks; only once no write runs (after sync() or settle()), and no write after. */
  release(): void {
    const buffer = this.#buffer;
    this.#buffer = undefined;
    if (buffer?.length === COALESCE && spare.length < SPARE_BUFFERS) spare.push(buffer);
  }

  /** The buffer, taken when first needed. */
  #take(): Uint8Array {
    this.#buffer ??= (this.#limit >= POOLED_FROM && spare.pop()) || new Uint8Array(this.#allocation());
    return this.#buffer;
  }

  /** A buffer worth pooling has COALESCE bytes, of which this sink uses #limit. */
  #allocation(): number {
    return this.#limit >= POOLED_FROM ? COALESCE : this.#limit;
  }

  async #append(chunk: Uint8Array): Promise<void> {
    const limit = this.#limit;
    let at = 0;
    if (this.#buffered > 0) {
      at = Math.min(limit - this.#buffered, chunk.byteLength);
      this.#take().set(chunk.subarray(0, at), this.#buffered);
      this.#buffered += at;
      if (this.#buffered === limit) await this.#drain();
    }
    const rest = chunk.byteLength - at;
    if (rest >= limit) return this.#writeAll(chunk.subarray(at), rest); // large: written as it is, no copy
    if (rest > 0) {
      this.#take().set(chunk.subarray(at), 0); // the buffer is empty here
      this.#buffered = rest;
    }
  }

  async #drain(): Promise<void> {
    if (this.#buffered === 0) return;
    const length = this.#buffered;
    this.#buffered = 0;
    await this.#writeAll(this.#take(), length);
  }

  async #writeAll(bytes: Uint8Array, length: number): Promise<void> {
    let at = 0;
    while (at < length) {
      const { bytesWritten } = await this.#handle.write(bytes, at, length - at, this.#written);
      at += bytesWritten;
      this.#written += bytesWritten;
    }
    this.#syncEarly();
  }

  /** Starts a background sync once #syncEvery bytes were written since the last one (one at a time per file). */
  #syncEarly(): void {
    if (this.#syncing || this.#written - this.#syncedTo < this.#syncEvery) return;
    this.#syncedTo = this.#written;
    this.#syncing = takeTurn(() => syncData(this.#handle)).then(
      () => {
        this.#syncing = undefined;
      },
      (error: unknown) => {
        this.#syncFailure ??= error;
        this.#syncing = undefined;
      },
    );
  }
}
