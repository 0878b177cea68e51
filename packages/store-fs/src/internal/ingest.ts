// One ingest: a writer for one blob, in its own file under ingest/ (partials.ts names it), hashed as the bytes come,
// written through a file sink (file-sink.ts), then verified, made durable and renamed into blobs/ (Store contract:
// a blob that failed verification is never visible; a closed writer leaves a partial that the next ingest resumes).
import { constants } from "node:fs";
import { basename, join } from "node:path";
import {
  checkAppend,
  checkComplete,
  createHasher,
  type Descriptor,
  type Hasher,
  type Ingest,
  type IngestOptions,
  OciError,
  presentIngest,
  requireIngestable,
  toOciError,
} from "@toci/spec-types";
import { errorCode, type FsFileHandle } from "../fs-api.js";
import { algorithmDirMade, blobNamed, blobPath, statBlob } from "./blobs.js";
import { COALESCE, FileSink } from "./file-sink.js";
import { storeOp, unlinkIfPresent } from "./files.js";
import { ingestNames, noteIngestFile } from "./ingest-listing.js";
import { type Layout, requireOwnIngestOnce } from "./layout.js";
import { claimPartial, rehash, release, type WriterFiles, writerFiles } from "./partials.js";

/**
 * How a new file of a blob that goes to it in one write (at most COALESCE bytes) is opened: for synchronous writes
 * (O_DSYNC), so that the write is durable when it returns, as fdatasync after it would make it, and the commit makes
 * no fdatasync call of its own: one call through libuv's thread pool less per small blob (a pull of 200 × 64 KiB
 * made 6 per blob). Where the platform has no O_DSYNC (Windows), the file is opened as any other ("wx").
 */
const WRITE_THROUGH =
  constants.O_DSYNC === undefined
    ? undefined
    : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_TRUNC | constants.O_DSYNC;

/** What the store knows before an ingest opens. */
export interface IngestContext {
  /** exists() found the blob absent a moment ago: no second look (a blob another process stores meanwhile is written again, identically). */
  absent?: boolean;
}

/** Opens a writer for `descriptor`: at its end when the blob is stored, else resuming the longest free partial. */
export async function openIngest(
  layout: Layout,
  descriptor: Descriptor,
  options: IngestOptions = {},
  context: IngestContext = {},
): Promise<Ingest> {
  const algorithm = requireIngestable(descriptor);
  if (!context.absent) {
    const stored = await statBlob(layout, descriptor.digest);
    if (stored?.size === descriptor.size) return presentIngest(descriptor);
  }

  const { fs, paths } = layout;
  await storeOp(`cannot start the ingest of ${descriptor.digest}`, () => requireOwnIngestOnce(layout));
  const files = writerFiles(paths.ingest, descriptor.digest);
  const hasher = await createHasher(algorithm);
  let handle: FsFileHandle;
  let size = 0;
  let durableWrites = false;
  try {
    const resume = options.resume !== false;
    const names = resume ? await ingestNames(fs, paths.ingest, descriptor.size) : undefined;
    const claimed = names ? await claimPartial(fs, names, files) : undefined;
    if (!resume) await unlinkIfPresent(fs, files.closed);
    if (claimed !== undefined && claimed <= descriptor.size) {
      handle = await fs.open(files.own, "r+");
      size = await rehash(handle, hasher, claimed); // re-hashed, never trusted
    } else {
      if (claimed !== undefined) await unlinkIfPresent(fs, files.own);
      durableWrites = WRITE_THROUGH !== undefined && descriptor.size <= COALESCE;
      handle = await fs.open(files.own, durableWrites ? WRITE_THROUGH! : "wx");
    }
  } catch (error) {
    release(files);
    throw toOciError(error, "STORE", `cannot start the ingest of ${descriptor.digest}`);
  }
  return new FileIngest({ layout, descriptor, files, handle, hasher, size, durableWrites });
}

interface WriterState {
  layout: Layout;
  descriptor: Descriptor;
  files: WriterFiles;
  handle: FsFileHandle;
  hasher: Hasher;
  /** Bytes already in the file (a resumed partial). */
  size: number;
  /** The file was opened for synchronous writes (WRITE_THROUGH): each write is durable when it returns. */
  durableWrites: boolean;
}

/** A writer of one blob into its own file; see the header. */
class FileIngest implements Ingest {
  readonly descriptor: Descriptor;
  readonly #state: WriterState;
  readonly #sink: FileSink;
  #size: number;
  #done = false;

  constructor(state: WriterState) {
    this.descriptor = state.descriptor;
    this.#state = state;
    this.#size = state.size;
    this.#sink = new FileSink(state.handle, state.size, state.descriptor.size, state.durableWrites);
  }

  get offset(): number {
    return this.#size;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#ensureOpen();
    checkAppend(this.descriptor, this.#size, chunk.byteLength);
    // Hashed while the bytes are still in the cache, and after the file write started, which runs on libuv's thread
    // pool meanwhile when the chunk goes to the file directly.
    const written = this.#sink.write(chunk);
    this.#state.hasher.update(chunk);
    this.#size += chunk.byteLength;
    if (!written) return;
    try {
      await written;
    } catch (error) {
      // What reached the file is unknown after a failed write: this writer is unusable, its file goes.
      await this.#finish(false);
      throw toOciError(error, "STORE", `cannot write ${this.descriptor.digest}`);
    }
  }

  async commit(): Promise<void> {
    this.#ensureOpen();
    try {
      checkComplete(this.descriptor, this.#size, this.#state.hasher);
    } catch (error) {
      await this.#finish(false); // the content is wrong: nothing of it is kept
      throw error;
    }
    try {
      await this.#publish();
    } catch (error) {
      await this.#finish(false);
      throw toOciError(error, "STORE", `cannot commit ${this.descriptor.digest}`);
    } finally {
      release(this.#state.files);
    }
  }

  async abort(): Promise<void> {
    if (!this.#done) await this.#finish(false);
  }

  async close(): Promise<void> {
    if (this.#done) return;
    try {
      // A partial whose background sync failed may hold holes: not worth resuming.
      await this.#sink.flush();
    } catch {
      await this.#finish(false);
      return;
    }
    await this.#finish(true);
    // Publish as the closed partial, unless a longer one is already there.
    const { fs } = this.#state.layout;
    const { closed, own } = this.#state.files;
    const other = await fs.lstat(closed).then(
      (s) => s.size,
      () => -1,
    );
    if (other > this.#sink.accepted) await unlinkIfPresent(fs, own).catch(() => {});
    else await fs.rename(own, closed).catch(() => {});
    // Either way a closed partial waits there now: a retry in this process resumes it without listing ingest/.
    noteIngestFile(fs, this.#state.layout.paths.ingest, basename(closed));
  }

  #ensureOpen(): void {
    if (this.#done) throw new OciError("CLOSED", `the ingest of ${this.descriptor.digest} is finished`);
  }

  async #finish(keep: boolean): Promise<void> {
    this.#done = true;
    await this.#sink.settle();
    this.#sink.release();
    await this.#state.handle.close().catch(() => {});
    if (!keep) await unlinkIfPresent(this.#state.layout.fs, this.#state.files.own).catch(() => {});
    release(this.#state.files);
  }

  /**
   * Publishes the file as blobs/<alg>/<hex>: durable before its name makes it visible. The rename is made durable
   * before index.json next changes, or at close (syncBlobNames, blobs.ts), not here: one directory sync per pull.
   */
  async #publish(): Promise<void> {
    const { layout, handle, files } = this.#state;
    const { fs } = layout;
    await this.#sink.sync();
    this.#sink.release();
    this.#done = true;
    await handle.close();
    const target = blobPath(layout, this.descriptor.digest);
    // A concurrent writer of the same digest may have renamed first; replacing identical bytes is harmless.
    // blobs/<alg>/ exists but for the first blob of an algorithm: made then, not checked at every commit.
    await fs.rename(files.own, target).catch(async (error: unknown) => {
      if (errorCode(error) !== "ENOENT") throw error;
      await fs.mkdir(join(target, ".."), { recursive: true });
      algorithmDirMade(layout);
      await fs.rename(files.own, target);
    });
    blobNamed(layout);
  }
}
