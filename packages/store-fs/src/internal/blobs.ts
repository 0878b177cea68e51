// Committed blobs: blobs/<alg>/<hex>, named only by validated digests. Only regular files are blobs: a symbolic
// link or a FIFO under blobs/ (planted, or left by another tool) is never read, never counted as present, and never
// deleted by gc (it is not toci's).
import { join } from "node:path";
import {
  checkAppend,
  checkComplete,
  createHasher,
  type Descriptor,
  type Digest,
  type FetchOptions,
  OciError,
  parseDigest,
  requireVerifiable,
  toOciError,
} from "@toci/spec-types";
import { errorCode, type FsFileHandle } from "../fs-api.js";
import { syncDir } from "./dir-sync.js";
import { unlinkIfPresent } from "./files.js";
import { ALGORITHMS, type Layout, requireOwnDirectories, sourcesPath } from "./layout.js";
import { openRegular, readSmall } from "./read-small.js";

/** Reads of a blob being fetched: 1 MiB, the size the verifier and a registry upload take in one piece. */
const READ_CHUNK = 1024 * 1024;

/** A blob as gc sees it: named by a valid digest, a regular file. */
export interface StoredBlob {
  digest: Digest;
  size: number;
  mtimeMs: number;
  path: string;
}

/** Where the blob of `digest` lives; throws INVALID_ARGUMENT for a digest toci does not store. */
export function blobPath(layout: Layout, digest: string): string {
  const algorithm = requireVerifiable(digest);
  return join(layout.paths.blobs, algorithm, parseDigest(digest).encoded);
}

/**
 * Makes the names of committed blobs durable: a commit fsyncs the blob's bytes before renaming it into place, but
 * leaves the directory's fsync to this, called before index.json is replaced (and at close). One fsync then covers
 * every rename so far, the pull's and any other process's (a blob found present may be another's): a root is never made durable before the blobs under it,
 * and a pull of 200 small blobs pays for one directory sync instead of one per blob. A power cut before it loses
 * names that nothing durable refers to yet; never a name with wrong or missing bytes.
 */
export async function syncBlobNames(layout: Layout): Promise<void> {
  if (!unsynced.delete(layout)) return;
  const dirs = ALGORITHMS.map((algorithm) => join(layout.paths.blobs, algorithm));
  // A `blobs/<alg>/` made by this store is itself a new name, in `blobs/`: without this sync a power cut could take
  // the directory, and every blob in it, from under a root that index.json already names.
  if (newAlgorithmDirs.delete(layout)) dirs.push(layout.paths.blobs);
  await Promise.all(dirs.map((dir) => syncDir(layout.fs, dir)));
}

/** Layouts where this store made a `blobs/<alg>/` directory (the first blob of an algorithm) since the last sync. */
const newAlgorithmDirs = new WeakSet<Layout>();

/** Notes that `blobs/<alg>/` was just made: its name in `blobs/` is synced with the blob names (syncBlobNames). */
export function algorithmDirMade(layout: Layout): void {
  newAlgorithmDirs.add(layout);
  unsynced.add(layout);
}

/** Layouts where a blob was renamed in, or found present (another process may have renamed it), since the last sync. */
const unsynced = new WeakSet<Layout>();

/** Notes that a blob name this store relies on may not be durable yet (see syncBlobNames). */
export function blobNamed(layout: Layout): void {
  unsynced.add(layout);
}

/** Whether `digest` is one toci stores (sha256/sha512 with their exact length): a path can be built from it. */
export function isStorable(digest: string): boolean {
  try {
    requireVerifiable(digest);
    return true;
  } catch {
    return false;
  }
}

/** The size and age of a committed blob, or undefined when there is none (a link or a FIFO is none). */
export async function statBlob(layout: Layout, digest: string): Promise<{ size: number; mtimeMs: number } | undefined> {
  try {
    const stats = await layout.fs.lstat(blobPath(layout, digest));
    return stats.isFile() ? stats : undefined;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw toOciError(error, "STORE", `cannot stat blob ${digest}`);
  }
}

/**
 * The bytes of a small blob (a manifest, for the graph walk and resolve), whatever size a descriptor claims: a file
 * over `max` is not read at all (undefined), so a lying manifest cannot make gc() load a layer into memory.
 * Undefined when absent.
 */
export async function readBlob(layout: Layout, digest: string, max: number): Promise<Uint8Array | undefined> {
  try {
    return await readSmall(layout.fs, blobPath(layout, digest), max);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw toOciError(error, "STORE", `cannot read blob ${digest}`);
  }
}

/**
 * The blob as a stream, verified against the descriptor as it flows (Store.fetch). A byte stream: a reader with its
 * own buffer (a push sending the blob through one reused buffer) has the file read straight into it; a default
 * reader gets a new 1 MiB chunk per read.
 */
export async function fetchBlob(
  layout: Layout,
  descriptor: Descriptor,
  options: FetchOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const path = blobPath(layout, descriptor.digest);
  const hasher = await createHasher(requireVerifiable(descriptor.digest));
  let handle: FsFileHandle;
  try {
    ({ handle } = await openRegular(layout.fs, path));
  } catch (error) {
    if (errorCode(error) === "ENOENT") {
      throw new OciError("NOT_FOUND", `blob ${descriptor.digest} is not in ${layout.paths.root}`, {
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
  return new ReadableStream(
    {
      type: "bytes",
      async pull(controller) {
        const request = controller.byobRequest;
        try {
          if (options.signal?.aborted) {
            throw new OciError("ABORTED", "the read was aborted", { cause: options.signal.reason });
          }
          const lent = request?.view;
          // Fresh buffers for a default reader: it keeps each chunk.
          const view = lent
            ? new Uint8Array(lent.buffer, lent.byteOffset, lent.byteLength)
            : new Uint8Array(READ_CHUNK);
          // Reading past the declared size lets a file longer than it should be fail the check below.
          const { bytesRead } = await handle.read(view, 0, view.length, position);
          if (bytesRead === 0) {
            checkComplete(descriptor, position, hasher);
            await release();
            controller.close();
            request?.respond(0);
            return;
          }
          checkAppend(descriptor, position, bytesRead);
          hasher.update(view.subarray(0, bytesRead));
          position += bytesRead;
          if (request) request.respond(bytesRead);
          else controller.enqueue(view.subarray(0, bytesRead));
        } catch (error) {
          await release();
          controller.error(toOciError(error, "STORE", `cannot read blob ${descriptor.digest}`));
        }
      },
      cancel: release,
    },
    { highWaterMark: 0 },
  );
}

/** Deletes a committed blob and its sources; false when there was none (a link is not toci's to delete). */
export async function removeBlob(layout: Layout, digest: string): Promise<boolean> {
  try {
    await unlinkIfPresent(layout.fs, sourcesPath(layout, digest));
    if (!(await statBlob(layout, digest))) return false;
    await layout.fs.unlink(blobPath(layout, digest));
    return true;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw toOciError(error, "STORE", `cannot remove blob ${digest}`);
  }
}

/**
 * Every committed blob: regular files under blobs/<alg>/ named by a valid digest. Other names (a README, a
 * directory, a link) are not toci's and are left alone. Refuses (STORE) a layout whose blob directories are links.
 */
export async function listBlobs(layout: Layout): Promise<StoredBlob[]> {
  const { fs, paths } = layout;
  await requireOwnDirectories(fs, paths);
  const out: StoredBlob[] = [];
  for (const algorithm of ALGORITHMS) {
    const dir = join(paths.blobs, algorithm);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (error) {
      if (errorCode(error) === "ENOENT") continue;
      throw error;
    }
    for (const name of names) {
      const digest = `${algorithm}:${name}`;
      if (!isStorable(digest)) continue;
      const path = join(dir, name);
      const stats = await fs.lstat(path).catch(() => undefined);
      if (stats?.isFile()) out.push({ digest: digest as Digest, size: stats.size, mtimeMs: stats.mtimeMs, path });
    }
  }
  return out;
}

/**
 * The stored blob file of `digest` as this file system knows it (inode and change time: sources.ts says why), or
 * undefined when there is no such regular file or the file system says neither.
 */
export async function fileIdentity(layout: Layout, digest: string): Promise<string | undefined> {
  let stats: Awaited<ReturnType<typeof layout.fs.lstat>>;
  try {
    stats = await layout.fs.lstat(blobPath(layout, digest));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  const { ino, ctimeMs } = stats;
  if (!stats.isFile() || typeof ino !== "number" || typeof ctimeMs !== "number" || !ino) return undefined;
  return `${ino}:${ctimeMs}`;
}
