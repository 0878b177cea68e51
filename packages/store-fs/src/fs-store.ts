// A Store that is an OCI image layout on disk (image-spec v1.1.1 image-layout.md):
//   <dir>/oci-layout          {"imageLayoutVersion":"1.0.0"}
//   <dir>/index.json          an image index; its manifests are the roots (ref.name = tag, see roots.ts)
//   <dir>/blobs/<alg>/<hex>   content, named by its digest
//   <dir>/ingest/             toci's own: partial ingests, temp files, the index lock, upload sessions, leases. Readers
//                             ignore unknown files (image-layout.md; skopeo and umoci do), so the layout stays valid.
// Writes are atomic: a blob is written to ingest/, fsynced, verified and renamed into blobs/; index.json is
// replaced by write-temp, fsync, rename, under a lock that also holds across processes (lock.ts). A process
// killed at any moment leaves a readable layout: at worst a file in ingest/ that a later ingest resumes or gc
// sweeps. Paths are built only from validated digests (sha256/sha512 with their exact hex length), never from
// names a registry or a file supplied. index.json entries that are not valid descriptors are skipped, reported,
// kept on rewrite and pinned in gc (index-file.ts says why).
import { randomBytes } from "node:crypto";
import * as nodeFs from "node:fs/promises";
import { join, resolve as resolvePath } from "node:path";
import {
  createHasher,
  createVerifier,
  type Descriptor,
  type Digest,
  digestMismatch,
  digestOf,
  findRoot,
  type GarbageCollector,
  type Hasher,
  type Ingest,
  type IngestOptions,
  manifestDescriptor,
  OCI_INDEX,
  OciError,
  parseDigest,
  presentIngest,
  type RootPredicate,
  reachable,
  referenceDigest,
  requireVerifiable,
  type SourceRecorder,
  type Store,
  sizeMismatch,
  tagRoots,
  toOciError,
  type UploadState,
  type UploadStateKeeper,
  untagRoots,
} from "@toci/spec-types";
import { errorCode, type FsFileHandle, type FsPromises } from "./fs-api.js";
import { type FsStoreWarning, type IndexFile, parseIndexFile, serializeIndex, skippedWarning } from "./index-file.js";
import { syncDir } from "./internal/dir-sync.js";
import { leases } from "./internal/leases.js";
import { readSmall } from "./internal/read-small.js";
import { processAlive, withLock } from "./lock.js";

/** Options for {@link fsStore}. */
export interface FsStoreOptions {
  /** The file system. @default node:fs/promises */
  fs?: FsPromises;
  /**
   * How long a tag, untag, remove or gc waits for the index lock held by another process, in ms.
   * @default 30000
   */
  lockTimeout?: number;
  /**
   * A lock older than this is abandoned even if its process seems alive (pid reuse, another host), in ms. The
   * lock is held only for one read-modify-write of index.json, milliseconds, so a minute is generous.
   * @default 60000
   */
  staleLockAfter?: number;
  /**
   * gc() keeps unreachable blobs written less than this long ago (ms), so that a pull running in another process,
   * which writes blobs before it tags its root, does not lose them. 0 sweeps everything unreachable.
   * @default 0
   */
  gcGracePeriod?: number;
  /**
   * How long a lease lasts, in ms: every blob this store commits or finds present is leased first (in
   * `ingest/leases/`), and gc() in another process keeps what the leases of live processes name, so that a pull
   * running there, which names its root only at the end, does not lose its blobs. A lease also ends with its process.
   * @default 86400000 (a day: longer than any pull, short enough that a long-running process cannot pin blobs for ever)
   */
  leaseTtl?: number;
  /**
   * Open without creating or changing anything; every write fails with `STORE`. A layout that cannot be written
   * (a read-only mount: EROFS, EACCES, EPERM) opens read-only on its own.
   * @default false
   */
  readOnly?: boolean;
  /**
   * Receives what the store tolerated rather than refused: today, entries of index.json that are not valid
   * descriptors (written by another tool or by hand), skipped once per read of the file. The store never writes
   * to the console itself. A callback that throws is ignored: reporting must not break a readable layout.
   * @default nothing is reported
   */
  onWarning?: (warning: FsStoreWarning) => void;
}

/** A layout store: a Store that also keeps upload sessions and blob sources, and knows where it lives. */
export interface FsStore extends Store, UploadStateKeeper, SourceRecorder, GarbageCollector {
  /** The layout's directory. */
  readonly dir: string;
  /** Whether writes are refused (asked for, or the layout could not be written when it was opened). */
  readonly readOnly: boolean;
  /**
   * Ends this store's leases (the blobs it wrote or found, kept from other processes' gc until then) and closes
   * their file. The client calls it from its own `close()`. The store stays usable: a later write leases anew.
   */
  close(): Promise<void>;
}

const LAYOUT_FILE = "oci-layout";
const INDEX_FILE = "index.json";
const INGEST_DIR = "ingest";
const UPLOADS_DIR = "uploads";
const SOURCES_DIR = "sources";
const LEASES_DIR = "leases";
/** What image-layout.md says `oci-layout` holds; written once, never rewritten. */
const LAYOUT_CONTENT = '{"imageLayoutVersion":"1.0.0"}';
/** The largest manifest read for the graph walk (distribution-spec's manifest size). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** index.json can list thousands of roots; far more than a registry manifest's 4 MiB is still refused. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;
/** Writes are coalesced into 1 MiB: fewer syscalls than fetch's 64 KiB chunks, and one warm, reused buffer. */
const WRITE_BUFFER = 1024 * 1024;
/**
 * A large blob's bytes are synced every 32 MiB while it is written, in the background, so that the fsync its commit
 * needs finds little left to flush: one fsync of a whole large blob at its end stalls the pull, while syncing as it
 * goes overlaps with the transfer (docs/architecture.md §6 item 4: durability then costs 10–20%, not ~0.8 s per GiB).
 */
const EARLY_SYNC_BYTES = 32 * 1024 * 1024;
const READ_CHUNK = 1024 * 1024;
/** oci-layout and an upload state are a few dozen bytes; 64 KiB leaves room for any honest extension. */
const MAX_SMALL_FILE = 64 * 1024;
/** A blob's sources: one repository name (≤ 255 bytes + the host) per line; 1 MiB is thousands of them. */
const MAX_SOURCES_FILE = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Errors that mean "this layout cannot be written", not "this layout is broken". */
const READ_ONLY_CODES = new Set(["EROFS", "EACCES", "EPERM"]);
/** Files of live writers in this process, so that gc and resuming writers leave them alone. */
const activeFiles = new Set<string>();

/**
 * Opens the OCI image layout at `dir` as a Store, creating it (and `dir`) when absent. An existing layout written
 * by skopeo, umoci, oras or another toci opens as is. Throws `STORE` when `dir` holds something that is not a
 * layout (an `oci-layout` file that is not the spec's JSON object).
 */
export async function fsStore(dir: string, options: FsStoreOptions = {}): Promise<FsStore> {
  const fs = options.fs ?? (nodeFs as unknown as FsPromises);
  const root = resolvePath(dir);
  const lockOptions = { timeout: options.lockTimeout ?? 30_000, staleAfter: options.staleLockAfter ?? 60_000 };
  const grace = options.gcGracePeriod ?? 0;
  const leaseTtl = options.leaseTtl ?? DAY_MS;
  const paths = {
    layout: join(root, LAYOUT_FILE),
    index: join(root, INDEX_FILE),
    blobs: join(root, "blobs"),
    ingest: join(root, INGEST_DIR),
    uploads: join(root, INGEST_DIR, UPLOADS_DIR),
    sources: join(root, INGEST_DIR, SOURCES_DIR),
    lock: join(root, INGEST_DIR, "index.json.lock"),
  };

  let readOnly = options.readOnly ?? false;
  await storeOp(`cannot open the layout ${root}`, async () => {
    // A layout on a read-only mount (or owned by someone else) still reads: image-layout.md even allows layouts
    // served over HTTP. Only an existing layout opens this way; a missing file is an error below.
    const tryWrite = async (fn: () => Promise<unknown>) => {
      if (readOnly) return;
      try {
        await fn();
      } catch (error) {
        if (!READ_ONLY_CODES.has(errorCode(error) ?? "")) throw error;
        readOnly = true;
      }
    };
    await tryWrite(async () => {
      await fs.mkdir(paths.blobs, { recursive: true });
      await fs.mkdir(paths.ingest, { recursive: true });
      await createOnce(fs, paths.layout, LAYOUT_CONTENT, paths.ingest);
    });
    const bytes = await readSmall(fs, paths.layout, MAX_SMALL_FILE);
    const layout = bytes && parseJsonObject(bytes);
    if (typeof layout?.imageLayoutVersion !== "string") {
      throw new OciError("STORE", `${paths.layout} is not an OCI layout file (no imageLayoutVersion)`);
    }
    await tryWrite(() => createOnce(fs, paths.index, emptyIndex(), paths.ingest));
    await fs.stat(paths.index);
  });
  const writable = () => {
    if (readOnly) throw new OciError("STORE", `the layout ${root} is open read-only`, { detail: { dir: root } });
  };

  const blobPath = (digest: string): string => {
    const algorithm = requireVerifiable(digest);
    return join(paths.blobs, algorithm, parseDigest(digest).encoded);
  };

  const warn = (warning: FsStoreWarning) => {
    try {
      options.onWarning?.(warning);
    } catch {
      // the caller's reporting failed; the read it reports on did not
    }
  };

  const oversize = (size: number): never => {
    throw new OciError(
      "STORE",
      `${paths.index} is not a valid image index: ${size} bytes, over the ${MAX_INDEX_BYTES}-byte cap`,
      { detail: { file: paths.index } },
    );
  };

  /** index.json: its roots (valid entries) and everything else it holds, kept for a rewrite (index-file.ts). */
  const readIndex = async (): Promise<IndexFile> => {
    const bytes = await storeOp(`cannot read ${paths.index}`, async () => {
      // Refused before it is read: a hostile index.json of gigabytes must not be loaded to learn it is too big.
      const { size } = await fs.stat(paths.index);
      if (size > MAX_INDEX_BYTES) oversize(size);
      return fs.readFile(paths.index);
    });
    const file = parseIndexFile(bytes, paths.index, MAX_INDEX_BYTES);
    if (file.skipped.length > 0) warn(skippedWarning(paths.index, file.skipped));
    return file;
  };

  /** Read-modify-write of index.json under the lock; the new file replaces the old one atomically. */
  const updateIndex = <T>(change: (roots: Descriptor[]) => { roots: Descriptor[]; result: T }): Promise<T> =>
    withLock(fs, paths.lock, lockOptions, async () => {
      const file = await readIndex();
      const { roots: next, result } = change(file.roots);
      if (next !== file.roots) {
        const text = serializeIndex(file, next);
        await storeOp(`cannot write ${paths.index}`, () => replaceFile(fs, paths.index, text, paths.ingest));
      }
      return result;
    });

  /**
   * The roots gc keeps besides the valid ones: a blob that a skipped entry names by a valid digest, described by
   * its own bytes (the entry's size or media type may be what is wrong), so that its graph is kept too.
   */
  const pinnedRoots = async (file: IndexFile): Promise<Descriptor[]> => {
    const out: Descriptor[] = [];
    for (const { digest } of file.skipped) {
      if (digest === undefined) continue;
      const stats = await statBlob(digest);
      const bytes = stats && (await readBlob({ digest, size: stats.size })); // undefined over the cap
      const manifest = bytes && manifestDescriptor(digest, bytes);
      out.push(manifest ?? { mediaType: "application/octet-stream", digest, size: stats?.size ?? 0 });
    }
    return out;
  };

  /** A small blob (a manifest, for the graph walk), whatever size a descriptor claims: a file over the cap is
   * not read at all, so a lying manifest cannot make gc() load a layer into memory. */
  const readBlob = async (d: Pick<Descriptor, "digest" | "size">): Promise<Uint8Array | undefined> => {
    try {
      const stats = await fs.stat(blobPath(d.digest));
      if (stats.size > MAX_MANIFEST_BYTES) return undefined;
      return await fs.readFile(blobPath(d.digest));
    } catch (error) {
      if (errorCode(error) === "ENOENT") return undefined;
      throw toOciError(error, "STORE", `cannot read blob ${d.digest}`);
    }
  };

  const statBlob = async (digest: string): Promise<{ size: number; mtimeMs: number } | undefined> => {
    try {
      const stats = await fs.stat(blobPath(digest));
      return stats.isFile() ? stats : undefined;
    } catch (error) {
      if (errorCode(error) === "ENOENT") return undefined;
      throw toOciError(error, "STORE", `cannot stat blob ${digest}`);
    }
  };

  // One append-only file per blob, one repository per line: appends of a line are atomic (O_APPEND), so
  // concurrent pulls need no lock; duplicates are dropped on read.
  // A read-only layout takes no leases: it writes nothing, and runs no gc() that would need them.
  const lease = readOnly ? undefined : leases(fs, join(paths.ingest, LEASES_DIR), leaseTtl);
  const takeLease = async (digest: string): Promise<void> => {
    if (lease && isStorable(digest)) await lease.take(digest);
  };

  const sourcesPath = (digest: string): string =>
    join(paths.sources, `${requireVerifiable(digest)}-${parseDigest(digest).encoded}`);

  const uploadPath = async (key: string): Promise<string> =>
    join(paths.uploads, `${parseDigest(await digestOf(key)).encoded}.json`);

  return {
    dir: root,
    readOnly,

    async close() {
      await lease?.release();
    },

    async exists(descriptor) {
      // Leased before looking: a pull that finds a blob present relies on it until it names its root.
      await takeLease(descriptor.digest);
      return (await statBlob(descriptor.digest))?.size === descriptor.size;
    },

    async fetch(descriptor, options = {}) {
      const path = blobPath(descriptor.digest);
      const verifier = await createVerifier(descriptor);
      let handle: FsFileHandle;
      try {
        handle = await fs.open(path, "r");
      } catch (error) {
        if (errorCode(error) === "ENOENT") {
          throw new OciError("NOT_FOUND", `blob ${descriptor.digest} is not in ${root}`, {
            detail: { digest: descriptor.digest },
          });
        }
        throw toOciError(error, "STORE", `cannot open blob ${descriptor.digest}`);
      }
      let position = 0;
      let closed = false;
      const release = async () => {
        if (closed) return;
        closed = true;
        await handle.close().catch(() => {});
      };
      const source = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            if (options.signal?.aborted) {
              throw new OciError("ABORTED", "the read was aborted", { cause: options.signal.reason });
            }
            // Fresh buffers: the consumer keeps each chunk. Reading past the declared size lets the verifier
            // report a file that is longer than it should be.
            const buffer = new Uint8Array(READ_CHUNK);
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
            position += bytesRead;
            if (bytesRead === 0) {
              await release();
              controller.close();
            } else {
              controller.enqueue(buffer.subarray(0, bytesRead));
            }
          } catch (error) {
            await release();
            controller.error(toOciError(error, "STORE", `cannot read blob ${descriptor.digest}`));
          }
        },
        async cancel() {
          await release();
        },
      });
      return source.pipeThrough(verifier);
    },

    async ingest(descriptor, options) {
      writable();
      // Leased before the blob is looked for or renamed into place (see internal/leases.ts).
      await takeLease(descriptor.digest);
      return openIngest(fs, paths.ingest, blobPath, descriptor, options);
    },

    async resolve(reference: string | RootPredicate) {
      const root = findRoot((await readIndex()).roots, reference);
      if (root) return root;
      const digest = typeof reference === "string" ? referenceDigest(reference) : undefined;
      if (!digest || !isStorable(digest)) return undefined;
      const stats = await statBlob(digest);
      if (!stats || stats.size > MAX_MANIFEST_BYTES) return undefined;
      const bytes = await readBlob({ digest, size: stats.size });
      // Verified before it is described: a resolve by digest must not vouch for corrupt bytes.
      if (!bytes || (await digestOf(bytes, requireVerifiable(digest))) !== digest) return undefined;
      return manifestDescriptor(digest, bytes);
    },

    async tag(descriptor, reference) {
      writable();
      await updateIndex((roots) => ({ roots: tagRoots(roots, descriptor, reference), result: undefined }));
    },

    async untag(reference) {
      writable();
      return updateIndex((roots) => {
        const { roots: next, removed } = untagRoots(roots, reference);
        return { roots: removed ? next : roots, result: removed };
      });
    },

    async list() {
      return (await readIndex()).roots;
    },

    async remove(descriptor) {
      writable();
      const path = blobPath(descriptor.digest);
      return updateIndex((roots) => {
        const next = roots.filter((r) => r.digest !== descriptor.digest);
        return { roots: next.length === roots.length ? roots : next, result: next.length !== roots.length };
      }).then(async (untagged) => {
        try {
          await unlinkIfPresent(fs, sourcesPath(descriptor.digest));
          await fs.unlink(path);
          return true;
        } catch (error) {
          if (errorCode(error) === "ENOENT") return untagged;
          throw toOciError(error, "STORE", `cannot remove blob ${descriptor.digest}`);
        }
      });
    },

    async gc() {
      writable();
      // Under the index lock: no root can be added in this process or another while the graph is walked.
      return withLock(fs, paths.lock, lockOptions, async () => {
        const started = Date.now();
        const candidates = await storeOp("cannot list blobs", () => listBlobs(fs, paths.blobs));
        const file = await readIndex();
        const keep = await reachable([...file.roots, ...(await pinnedRoots(file))], readBlob, candidates);
        // Read after the candidates were listed: a blob leased later was not there to be listed (leases.ts).
        const leased = lease ? await lease.heldByOthers(Date.now()) : new Set<string>();
        const removed: Digest[] = [];
        for (const blob of candidates) {
          if (keep.has(blob.digest) || leased.has(blob.digest) || started - blob.mtimeMs < grace) continue;
          await storeOp(`cannot remove blob ${blob.digest}`, () => unlinkIfPresent(fs, blob.path));
          removed.push(blob.digest);
        }
        for (const digest of await sweepIngest(fs, paths.ingest)) if (!removed.includes(digest)) removed.push(digest);
        // Sources of blobs that are gone.
        for (const name of await fs.readdir(paths.sources).catch(() => [] as string[])) {
          const digest = name.replace("-", ":");
          if (isStorable(digest) && !(await statBlob(digest))) {
            await storeOp("cannot remove sources", () => unlinkIfPresent(fs, join(paths.sources, name)));
          }
        }
        return removed;
      });
    },

    async getUpload(key) {
      try {
        // An oversized state file is no state: the push starts a new session.
        const bytes = await readSmall(fs, await uploadPath(key), MAX_SMALL_FILE);
        const value = bytes && parseJsonObject(bytes);
        if (typeof value?.location !== "string" || typeof value.offset !== "number") return undefined;
        return { location: value.location, offset: value.offset, updatedAt: Number(value.updatedAt) || 0 };
      } catch (error) {
        if (errorCode(error) === "ENOENT") return undefined;
        throw toOciError(error, "STORE", "cannot read upload state");
      }
    },

    async setUpload(key, state: UploadState) {
      writable();
      const path = await uploadPath(key);
      const { location, offset, updatedAt } = state;
      await storeOp("cannot write upload state", async () => {
        await fs.mkdir(paths.uploads, { recursive: true });
        await replaceFile(fs, path, JSON.stringify({ key, location, offset, updatedAt }), paths.ingest);
      });
    },

    async deleteUpload(key) {
      writable();
      const path = await uploadPath(key);
      await storeOp("cannot delete upload state", () => unlinkIfPresent(fs, path));
    },

    async recordSource(digest, repository) {
      writable();
      const path = sourcesPath(digest);
      if (/[\r\n]/.test(repository) || repository.length === 0) {
        throw new OciError("INVALID_ARGUMENT", `not a repository name: ${JSON.stringify(repository)}`);
      }
      await storeOp("cannot record a source", async () => {
        // ingest/sources/ exists after the first record: made then, not at every one (a pull records every blob).
        const handle = await fs.open(path, "a").catch(async (error: unknown) => {
          if (errorCode(error) !== "ENOENT") throw error;
          await fs.mkdir(paths.sources, { recursive: true });
          return fs.open(path, "a");
        });
        try {
          const line = new TextEncoder().encode(`${repository}\n`);
          await handle.write(line, 0, line.length, null);
        } finally {
          await handle.close();
        }
      });
    },

    async sources(digest) {
      const path = sourcesPath(digest);
      try {
        // Sources are hints for mounts: an oversized list is ignored rather than read.
        const bytes = await readSmall(fs, path, MAX_SOURCES_FILE);
        if (!bytes) return [];
        const lines = new TextDecoder().decode(bytes).split("\n");
        return [...new Set(lines.filter((line) => line.length > 0))];
      } catch (error) {
        if (errorCode(error) === "ENOENT") return [];
        throw toOciError(error, "STORE", `cannot read the sources of ${digest}`);
      }
    },
  };
}

// ---- ingest -------------------------------------------------------------------------------------------------------
//
// ingest/<alg>-<hex>                a closed partial, waiting to be resumed (or swept by gc)
// ingest/<alg>-<hex>.<pid>-<rand>   the file of one live writer; abandoned when its process is gone

async function openIngest(
  fs: FsPromises,
  ingestDir: string,
  blobPath: (digest: string) => string,
  descriptor: Descriptor,
  options: IngestOptions = {},
): Promise<Ingest> {
  const algorithm = requireVerifiable(descriptor.digest);
  if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
    throw new OciError("INVALID_ARGUMENT", `${descriptor.digest}: size ${descriptor.size} is not a byte count`);
  }
  const target = blobPath(descriptor.digest);
  const present = await fs.stat(target).then(
    (s) => s.isFile() && s.size === descriptor.size,
    () => false,
  );
  if (present) return presentIngest(descriptor);

  const base = `${algorithm}-${parseDigest(descriptor.digest).encoded}`;
  const closedPath = join(ingestDir, base);
  const ownPath = join(ingestDir, `${base}.${process.pid}-${randomBytes(6).toString("hex")}`);
  activeFiles.add(ownPath);
  const hasher: Hasher = await createHasher(algorithm);
  let handle: FsFileHandle;
  let size = 0;
  try {
    const claimed = options.resume === false ? undefined : await claimPartial(fs, ingestDir, base, ownPath);
    if (options.resume === false) await unlinkIfPresent(fs, closedPath);
    if (claimed !== undefined && claimed <= descriptor.size) {
      handle = await fs.open(ownPath, "r+");
      size = await rehash(handle, hasher, claimed); // re-hashed, never trusted
    } else {
      if (claimed !== undefined) await unlinkIfPresent(fs, ownPath);
      handle = await fs.open(ownPath, "wx");
    }
  } catch (error) {
    activeFiles.delete(ownPath);
    throw toOciError(error, "STORE", `cannot start the ingest of ${descriptor.digest}`);
  }

  const buffer = new Uint8Array(Math.min(WRITE_BUFFER, Math.max(descriptor.size, 1)));
  let buffered = 0;
  let written = size; // bytes in the file
  let done = false;
  let syncedTo = size; // bytes covered by the last early sync started
  let syncing: Promise<void> | undefined;
  // A failed background sync, kept for the commit: Linux reports a writeback error to one fsync per open file, so
  // the commit's own sync on this handle could succeed after pages were lost (the hash, taken from memory, would
  // still verify).
  let syncFailure: unknown;
  /** Starts a background sync once enough bytes have piled up since the last one (one at a time). */
  const syncEarly = () => {
    if (syncing || written - syncedTo < EARLY_SYNC_BYTES) return;
    syncedTo = written;
    syncing = handle.sync().then(
      () => {
        syncing = undefined;
      },
      (error: unknown) => {
        syncFailure ??= error;
        syncing = undefined;
      },
    );
  };

  const flush = async () => {
    let at = 0;
    while (at < buffered) {
      const { bytesWritten } = await handle.write(buffer, at, buffered - at, written);
      at += bytesWritten;
      written += bytesWritten;
    }
    buffered = 0;
    syncEarly();
  };
  /** Appends a chunk: straight to the file when large (copying would only cost time), else via the buffer. */
  const store = async (chunk: Uint8Array) => {
    if (buffered === 0 && chunk.byteLength >= buffer.length) {
      let at = 0;
      while (at < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, at, chunk.byteLength - at, written);
        at += bytesWritten;
        written += bytesWritten;
      }
      syncEarly();
      return;
    }
    let at = 0;
    while (at < chunk.byteLength) {
      const n = Math.min(buffer.length - buffered, chunk.byteLength - at);
      buffer.set(chunk.subarray(at, at + n), buffered);
      buffered += n;
      at += n;
      if (buffered === buffer.length) await flush();
    }
  };
  const finish = async (keep: boolean) => {
    done = true;
    await syncing;
    await handle.close().catch(() => {});
    if (!keep) await unlinkIfPresent(fs, ownPath).catch(() => {});
    activeFiles.delete(ownPath);
  };
  const ensureOpen = () => {
    if (done) throw new OciError("CLOSED", `the ingest of ${descriptor.digest} is finished`);
  };

  return {
    descriptor,
    get offset() {
      return size;
    },
    async write(chunk) {
      ensureOpen();
      if (size + chunk.byteLength > descriptor.size) throw sizeMismatch(descriptor, size + chunk.byteLength, true);
      // The file write runs on libuv's thread pool while this thread hashes the same bytes, so the two overlap
      // instead of adding up. The caller keeps `chunk` intact until the returned promise settles, so both may
      // read it.
      const stored = store(chunk);
      hasher.update(chunk);
      size += chunk.byteLength;
      try {
        await stored;
      } catch (error) {
        // What reached the file is unknown after a failed write: this writer is unusable, its file goes.
        await finish(false);
        throw toOciError(error, "STORE", `cannot write ${descriptor.digest}`);
      }
    },
    async commit() {
      ensureOpen();
      if (size !== descriptor.size) {
        await finish(false);
        throw sizeMismatch(descriptor, size, false);
      }
      const actual = hasher.digest();
      if (actual !== descriptor.digest) {
        await finish(false);
        throw digestMismatch(descriptor, actual);
      }
      try {
        await flush();
        await syncing;
        if (syncFailure !== undefined) throw syncFailure;
        await handle.sync(); // the bytes are durable before the name makes them visible
        done = true;
        await handle.close();
        const dir = join(target, "..");
        // A concurrent writer of the same digest may have renamed first; replacing identical bytes is harmless.
        // blobs/<alg>/ exists but for the first blob of an algorithm: made then, not checked at every commit.
        await fs.rename(ownPath, target).catch(async (error: unknown) => {
          if (errorCode(error) !== "ENOENT") throw error;
          await fs.mkdir(dir, { recursive: true });
          await fs.rename(ownPath, target);
        });
        await syncDir(fs, dir);
      } catch (error) {
        await finish(false);
        throw toOciError(error, "STORE", `cannot commit ${descriptor.digest}`);
      } finally {
        activeFiles.delete(ownPath);
      }
    },
    async abort() {
      if (!done) await finish(false);
    },
    async close() {
      if (done) return;
      try {
        await flush();
        await syncing;
        // A partial whose background sync failed may hold holes: not worth resuming.
        if (syncFailure !== undefined) throw syncFailure;
      } catch {
        await finish(false);
        return;
      }
      await finish(true);
      // Publish as the closed partial, unless a longer one is already there.
      const other = await fs.stat(closedPath).then(
        (s) => s.size,
        () => -1,
      );
      if (other > written) await unlinkIfPresent(fs, ownPath).catch(() => {});
      else await fs.rename(ownPath, closedPath).catch(() => {});
    },
  };
}

/**
 * Takes over the largest abandoned partial of `base` by renaming it to `ownPath` (rename is atomic, so two
 * writers never claim the same file). Returns its size, or undefined when there was none.
 */
async function claimPartial(fs: FsPromises, dir: string, base: string, ownPath: string): Promise<number | undefined> {
  const candidates: { path: string; size: number }[] = [];
  for (const name of await fs.readdir(dir)) {
    if (name !== base && !name.startsWith(`${base}.`)) continue;
    const path = join(dir, name);
    if (name !== base && !isAbandoned(path, name.slice(base.length + 1))) continue;
    const stats = await fs.stat(path).catch(() => undefined);
    if (stats?.isFile()) candidates.push({ path, size: stats.size });
  }
  candidates.sort((a, b) => b.size - a.size);
  for (const candidate of candidates) {
    try {
      await fs.rename(candidate.path, ownPath);
      return candidate.size;
    } catch {
      // claimed by someone else in the meantime: try the next one
    }
  }
  return undefined;
}

/** Whether a writer file (`<pid>-<rand>` suffix) belongs to no live writer. */
function isAbandoned(path: string, suffix: string): boolean {
  if (activeFiles.has(path)) return false;
  const pid = Number(suffix.split("-")[0]);
  if (!Number.isSafeInteger(pid)) return false;
  return pid === process.pid || !processAlive(pid);
}

async function rehash(handle: FsFileHandle, hasher: Hasher, size: number): Promise<number> {
  const buffer = new Uint8Array(Math.min(READ_CHUNK, Math.max(size, 1)));
  let position = 0;
  while (position < size) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
    if (bytesRead === 0) break;
    hasher.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return position;
}

/** Deletes closed partials and the files of writers that are gone; returns their digests. */
async function sweepIngest(fs: FsPromises, dir: string): Promise<Digest[]> {
  const swept: Digest[] = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const match = /^(sha256|sha512)-([a-f0-9]+)(?:\.(.+))?$/.exec(name);
    const tmp = /^tmp\.(\d+-[a-f0-9]+)$/.exec(name);
    const path = join(dir, name);
    if (tmp?.[1] && isAbandoned(path, tmp[1])) {
      await unlinkIfPresent(fs, path).catch(() => {});
      continue;
    }
    if (!match) continue; // the lock, uploads/, unknown files
    if (match[3] !== undefined && !isAbandoned(path, match[3])) continue;
    await unlinkIfPresent(fs, path).catch(() => {});
    const digest = `${match[1]}:${match[2]}`;
    if (isStorable(digest) && !swept.includes(digest as Digest)) swept.push(digest as Digest);
  }
  return swept;
}

// ---- small file helpers -------------------------------------------------------------------------------------------

async function listBlobs(
  fs: FsPromises,
  blobsDir: string,
): Promise<{ digest: Digest; size: number; mtimeMs: number; path: string }[]> {
  const out: { digest: Digest; size: number; mtimeMs: number; path: string }[] = [];
  for (const algorithm of ["sha256", "sha512"]) {
    const dir = join(blobsDir, algorithm);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (error) {
      if (errorCode(error) === "ENOENT") continue;
      throw error;
    }
    for (const name of names) {
      const digest = `${algorithm}:${name}`;
      if (!isStorable(digest)) continue; // not a blob name toci wrote or would read: left alone
      const path = join(dir, name);
      const stats = await fs.stat(path).catch(() => undefined);
      if (stats?.isFile()) out.push({ digest: digest as Digest, size: stats.size, mtimeMs: stats.mtimeMs, path });
    }
  }
  return out;
}

function isStorable(digest: string): boolean {
  try {
    requireVerifiable(digest);
    return true;
  } catch {
    return false;
  }
}

/** Writes `text` to a temp file in `tmpDir`, fsyncs it and renames it over `path`: readers see old or new. */
async function replaceFile(fs: FsPromises, path: string, text: string, tmpDir: string): Promise<void> {
  const tmp = join(tmpDir, `tmp.${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    await writeSynced(fs, tmp, text);
    await fs.rename(tmp, path);
  } catch (error) {
    await unlinkIfPresent(fs, tmp).catch(() => {});
    throw error;
  }
  await syncDir(fs, join(path, ".."));
}

/** Creates `path` with `text` unless it exists; never overwrites (link() refuses an existing name). */
async function createOnce(fs: FsPromises, path: string, text: string, tmpDir: string): Promise<void> {
  try {
    await fs.stat(path);
    return;
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
  const tmp = join(tmpDir, `tmp.${process.pid}-${randomBytes(6).toString("hex")}`);
  await writeSynced(fs, tmp, text);
  try {
    await fs.link(tmp, path);
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error; // another process created it first
  } finally {
    await unlinkIfPresent(fs, tmp);
  }
}

async function writeSynced(fs: FsPromises, path: string, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  const handle = await fs.open(path, "wx");
  try {
    let at = 0;
    while (at < bytes.length) at += (await handle.write(bytes, at, bytes.length - at, at)).bytesWritten;
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function unlinkIfPresent(fs: FsPromises, path: string): Promise<void> {
  try {
    await fs.unlink(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}

function emptyIndex(): string {
  return JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

async function storeOp<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toOciError(error, "STORE", what);
  }
}
