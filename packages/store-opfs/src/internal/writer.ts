// The worker's half of an ingest: a partial file in ingest/ written through a sync access handle (exclusive:
// nothing else can open, move or remove the file meanwhile), then verified, flushed and moved into blobs/ (commit =
// verify then move; a file never becomes a blob unverified). A writer holds its Web Lock (locks.ts) from before it
// creates or claims a file until it lets the file go.
// How a blob is verified depends on its size (spec-types' whole-digest.ts). One up to the store's `wholeDigestMax` is
// verified at commit by WebCrypto over the file's own bytes, read back whole; a larger one is hashed as its bytes
// arrive (hash-wasm: the platform has no streaming digest). Measured in Chromium here: hash-wasm hashes ~160 MB/s
// in this thread, a sync access handle writes 2.2 GB/s and reads back ~1.5 GB/s, WebCrypto digests what it reads
// at ~750 MB/s; a pull of 4 × 64 MiB layers went from 94–135 to 135–180 MB/s.
import {
  checkAppend,
  checkComplete,
  checkWholeDigest,
  createHasher,
  type Descriptor,
  digestsWhole,
  type HashAlgorithm,
  type Hasher,
  holdWebLock,
  isContentMismatch,
  OciError,
  type ReleaseLock,
  requireIngestable,
  sizeMismatch,
  tryWebLock,
  WHOLE_DIGEST_MAX,
  wholeDigestTurn,
} from "@toci/spec-types";
import { blobName, fileIfPresent, type Layout, partialBase, partialDigest, removeIfPresent } from "./layout.js";
import { commitLock, writerLock } from "./locks.js";
import { moveFile, openSyncHandle, type SyncAccessHandle } from "./sync-handle.js";

/** Bytes read per step when a resumed partial is re-hashed. */
const REHASH_CHUNK = 1024 * 1024;

/** One writer's state, in the worker. */
export interface Writer {
  readonly layout: Layout;
  readonly descriptor: Pick<Descriptor, "digest" | "size">;
  readonly file: FileSystemFileHandle;
  readonly handle: SyncAccessHandle;
  /** The running hash of a large blob; none for one verified whole at commit (`wholeDigestMax`). */
  readonly hasher: Hasher | undefined;
  readonly algorithm: HashAlgorithm;
  readonly release: ReleaseLock;
  /** Bytes in the file, all hashed (or, verified whole, all written). */
  offset: number;
  /** A write failed: the writer takes nothing more (close keeps what is in the file). */
  failed: boolean;
}

/** A file this writer owns, open, and what it holds (re-hashed into `hasher`). */
interface OwnedFile {
  file: FileSystemFileHandle;
  handle: SyncAccessHandle;
  release: ReleaseLock;
  offset: number;
}

/**
 * Opens a writer: the longest partial no live writer holds when resuming, else a file of its own. A blob of up to
 * `wholeDigestMax` bytes is verified whole at commit, a larger one hashed as it is written.
 */
export async function openWriter(
  layout: Layout,
  descriptor: Pick<Descriptor, "digest" | "size">,
  resume: boolean,
  wholeDigestMax = WHOLE_DIGEST_MAX,
): Promise<Writer | undefined> {
  const algorithm = requireIngestable(descriptor);
  if (await isStored(layout, descriptor)) return undefined;
  const hasher = digestsWhole(descriptor.size, wholeDigestMax) ? undefined : await createHasher(algorithm);
  const base = partialBase(descriptor.digest);
  if (!resume) await dropPartials(layout, base);
  const owned =
    (resume ? await claimPartial(layout, descriptor, hasher) : undefined) ?? (await newPartial(layout, base));
  return { layout, descriptor, hasher, algorithm, ...owned, failed: false };
}

async function isStored(layout: Layout, descriptor: Pick<Descriptor, "digest" | "size">): Promise<boolean> {
  const { algorithm, file } = blobName(descriptor.digest);
  const dir = await layout.blobs.getDirectoryHandle(algorithm, { create: true });
  const handle = await fileIfPresent(dir, file);
  return handle !== undefined && (await handle.getFile()).size === descriptor.size;
}

/** Appends `bytes`; throws SIZE_MISMATCH past the size, STORE (the platform's error as cause) on a failed write. */
export function append(writer: Writer, bytes: Uint8Array): void {
  if (writer.failed) throw new OciError("STORE", `the ingest of ${writer.descriptor.digest} failed earlier`);
  checkAppend(writer.descriptor, writer.offset, bytes.byteLength);
  try {
    const written = writer.handle.write(bytes, { at: writer.offset });
    if (written !== bytes.byteLength) {
      throw new OciError("STORE", `wrote ${written} of ${bytes.byteLength} bytes of ${writer.descriptor.digest}`);
    }
  } catch (error) {
    writer.failed = true;
    // What reached the file is cut back to what was counted: the partial stays a prefix this writer vouched for.
    try {
      writer.handle.truncate(writer.offset);
    } catch {
      // a resumed ingest re-hashes the file, or reads it back at commit, anyway
    }
    throw error;
  }
  writer.hasher?.update(bytes);
  writer.offset += bytes.byteLength;
}

/**
 * Verifies, then makes the blob visible by moving the file into blobs/. Content found wrong is removed; a failure to
 * verify or move (the read-back's memory, a quota) keeps the partial for the next ingest to resume.
 */
export async function commitWriter(writer: Writer): Promise<void> {
  const { layout, descriptor } = writer;
  try {
    if (writer.hasher) checkComplete(descriptor, writer.offset, writer.hasher);
    else await readAndCheck(writer);
    writer.handle.flush();
    writer.handle.close();
    const { algorithm, file } = blobName(descriptor.digest);
    const dir = await layout.blobs.getDirectoryHandle(algorithm, { create: true });
    // One commit of a digest at a time, in any tab: a move onto a file being moved to fails.
    const release = await holdWebLock(commitLock(layout.name, descriptor.digest));
    try {
      const other = await fileIfPresent(dir, file);
      // A concurrent writer of the same digest may have committed first. Its file is left alone rather than replaced
      // by the same bytes: a page may be reading it, and a replaced file fails its readers.
      if (other && (await other.getFile()).size === descriptor.size) await layout.ingest.removeEntry(writer.file.name);
      else await moveFile(writer.file, dir, file);
    } finally {
      release();
    }
  } catch (error) {
    if (isContentMismatch(error)) await discard(writer);
    else keep(writer);
    throw error;
  } finally {
    writer.release();
  }
}

/** Closes the file, keeping it; never throws (the handle may be closed already). */
function keep(writer: Writer): void {
  try {
    writer.handle.flush();
    writer.handle.close();
  } catch {
    // closed by the commit before it failed
  }
}

/** Verifies a blob of up to `wholeDigestMax` by its file's bytes, read back whole and digested by WebCrypto. */
async function readAndCheck(writer: Writer): Promise<void> {
  const { descriptor, handle } = writer;
  if (writer.offset !== descriptor.size) throw sizeMismatch(descriptor, writer.offset, false);
  const check = async (): Promise<void> => {
    const bytes = new Uint8Array(descriptor.size);
    for (let at = 0; at < bytes.length; ) {
      const n = handle.read(bytes.subarray(at), { at });
      if (n <= 0) throw new OciError("STORE", `the ingest of ${descriptor.digest} is shorter than it was`);
      at += n;
    }
    await checkWholeDigest(descriptor, writer.algorithm, bytes);
  };
  await wholeDigestTurn(check);
}

/** Lets the file go, keeping what it holds: a partial the next ingest of the digest resumes. */
export function closeWriter(writer: Writer): void {
  try {
    writer.handle.flush();
  } finally {
    writer.handle.close();
    writer.release();
  }
}

/** Lets the file go and removes it. */
export async function abortWriter(writer: Writer): Promise<void> {
  try {
    await discard(writer);
  } finally {
    writer.release();
  }
}

async function discard(writer: Writer): Promise<void> {
  try {
    writer.handle.close();
  } catch {
    // already closed
  }
  await removeIfPresent(writer.layout.ingest, writer.file.name).catch(() => {});
}

/** The partial files of one digest, longest first. */
async function partials(layout: Layout, base: string): Promise<{ name: string; size: number }[]> {
  const found: { name: string; size: number }[] = [];
  for await (const [name, handle] of layout.ingest.entries()) {
    if (handle.kind !== "file" || !name.startsWith(`${base}.`) || !partialDigest(name)) continue;
    const size = await (handle as FileSystemFileHandle).getFile().then(
      (f) => f.size,
      () => -1, // gone, or held by a writer
    );
    found.push({ name, size });
  }
  return found.sort((a, b) => b.size - a.size);
}

/**
 * Takes over the longest partial of the digest that no live writer holds, and re-hashes what it holds: stored bytes
 * are read back and hashed, never trusted. A partial longer than the blob is emptied and written again.
 */
async function claimPartial(
  layout: Layout,
  descriptor: Pick<Descriptor, "digest" | "size">,
  hasher: Hasher | undefined,
): Promise<OwnedFile | undefined> {
  for (const { name } of await partials(layout, partialBase(descriptor.digest))) {
    const release = await tryWebLock(writerLock(layout.name, name));
    if (!release) continue; // a live writer's
    try {
      const file = await layout.ingest.getFileHandle(name);
      const handle = await openSyncHandle(file);
      let offset = handle.getSize();
      if (offset > descriptor.size) {
        handle.truncate(0);
        offset = 0;
      }
      // A blob verified whole at commit reads its file then; nothing to re-hash now.
      if (hasher) rehash(handle, offset, hasher);
      return { file, handle, release, offset };
    } catch {
      release(); // swept meanwhile, or unreadable: the next one, or a new file
    }
  }
  return undefined;
}

function rehash(handle: SyncAccessHandle, size: number, hasher: Hasher): void {
  const buffer = new Uint8Array(Math.min(REHASH_CHUNK, Math.max(size, 1)));
  for (let at = 0; at < size; ) {
    const n = handle.read(buffer.subarray(0, Math.min(buffer.length, size - at)), { at });
    if (n <= 0) throw new OciError("STORE", "a partial ingest is shorter than it was");
    hasher.update(buffer.subarray(0, n));
    at += n;
  }
}

async function newPartial(layout: Layout, base: string): Promise<OwnedFile> {
  const name = `${base}.${randomId()}`;
  // The lock first: from the moment the file exists, every tab can see that it is a live writer's.
  const release = await holdWebLock(writerLock(layout.name, name));
  try {
    const file = await layout.ingest.getFileHandle(name, { create: true });
    return { file, handle: await openSyncHandle(file), release, offset: 0 };
  } catch (error) {
    release();
    throw error;
  }
}

/** Removes the digest's partials that no live writer holds (an ingest with `resume: false`). */
async function dropPartials(layout: Layout, base: string): Promise<void> {
  for (const { name } of await partials(layout, base)) {
    const release = await tryWebLock(writerLock(layout.name, name));
    if (!release) continue;
    try {
      await removeIfPresent(layout.ingest, name).catch(() => {});
    } finally {
      release();
    }
  }
}

function randomId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return hex(bytes);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
