// The layout on the Origin Private File System, the same shape as on disk (image-spec image-layout.md,
// https://github.com/opencontainers/image-spec/blob/v1.1.1/image-layout.md):
//   toci-<name>/oci-layout               {"imageLayoutVersion":"1.0.0"}
//   toci-<name>/index.json               an image index; its manifests are the roots
//   toci-<name>/blobs/<alg>/<hex>        content, named by its digest
//   toci-<name>/ingest/<alg>-<hex>.<id>  a partial ingest (one file per writer; resumed or swept)
//   toci-<name>/ingest/uploads/, sources/  upload sessions and blob sources
// Names are built only from validated digests (sha256/sha512 with their exact hex length) and from ids this
// store made; names read back from a directory are parsed and checked before they are used.
// Used by the page (async calls only) and by the worker.
import { type Digest, OciError, parseDigest, requireVerifiable } from "@toci/spec-types";

export const LAYOUT_FILE = "oci-layout";
export const INDEX_FILE = "index.json";
export const BLOBS_DIR = "blobs";
export const INGEST_DIR = "ingest";
export const UPLOADS_DIR = "uploads";
export const SOURCES_DIR = "sources";
/** What image-layout.md says `oci-layout` holds. */
export const LAYOUT_CONTENT = '{"imageLayoutVersion":"1.0.0"}';

/** The directory of the store called `name`. */
export function rootName(name: string): string {
  // OPFS names are path segments: no separators, not "." or ".." (https://fs.spec.whatwg.org/#valid-file-name).
  if (name.length === 0 || /[/\\\0]/.test(name) || name === "." || name === "..") {
    throw new OciError("INVALID_ARGUMENT", `not a store name: ${JSON.stringify(name)}`);
  }
  return `toci-${name}`;
}

/** The store's directories, open. */
export interface Layout {
  /** The store's name, as given to opfsStore. */
  readonly name: string;
  readonly root: FileSystemDirectoryHandle;
  readonly blobs: FileSystemDirectoryHandle;
  readonly ingest: FileSystemDirectoryHandle;
}

/** Opens the store called `name`, creating its directories, `oci-layout` and an empty `index.json` when absent. */
export async function openLayout(name: string): Promise<Layout> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (typeof storage?.getDirectory !== "function") {
    throw new OciError("STORE", "the Origin Private File System is not available in this runtime");
  }
  const root = await (await storage.getDirectory()).getDirectoryHandle(rootName(name), { create: true });
  const [blobs, ingest] = await Promise.all([
    root.getDirectoryHandle(BLOBS_DIR, { create: true }),
    root.getDirectoryHandle(INGEST_DIR, { create: true }),
  ]);
  return { name, root, blobs, ingest };
}

/** `blobs/<alg>/` and `<hex>` of a digest, after validating it. */
export function blobName(digest: string): { algorithm: string; file: string } {
  const algorithm = requireVerifiable(digest);
  return { algorithm, file: parseDigest(digest).encoded };
}

/** The prefix of a digest's partial files: `<alg>-<hex>`. */
export function partialBase(digest: string): string {
  const { algorithm, file } = blobName(digest);
  return `${algorithm}-${file}`;
}

const PARTIAL = /^(sha256|sha512)-([0-9a-f]+)\.([0-9a-f]{16})$/;

/** The digest a partial file belongs to, or undefined for any other name. */
export function partialDigest(name: string): Digest | undefined {
  const m = PARTIAL.exec(name);
  if (!m) return undefined;
  const digest = `${m[1]}:${m[2]}` as Digest;
  try {
    requireVerifiable(digest);
    return digest;
  } catch {
    return undefined;
  }
}

/** What `lookup` finds, or undefined when it throws NotFoundError (other errors are thrown). */
async function ifPresent<T>(lookup: () => Promise<T>): Promise<T | undefined> {
  try {
    return await lookup();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** A subdirectory, or undefined when absent. */
export function dirIfPresent(
  parent: FileSystemDirectoryHandle,
  name: string,
): Promise<FileSystemDirectoryHandle | undefined> {
  return ifPresent(() => parent.getDirectoryHandle(name));
}

/** A file's handle, or undefined when absent. */
export function fileIfPresent(
  parent: FileSystemDirectoryHandle,
  name: string,
): Promise<FileSystemFileHandle | undefined> {
  return ifPresent(() => parent.getFileHandle(name));
}

/** The file `blobs/<alg>/<hex>` of a digest, or undefined when the blob is absent. */
export async function blobFile(layout: Layout, digest: string): Promise<File | undefined> {
  const { algorithm, file } = blobName(digest);
  const dir = await dirIfPresent(layout.blobs, algorithm);
  const handle = dir && (await fileIfPresent(dir, file));
  return handle?.getFile();
}

/** The bytes of a small file, undefined when absent or larger than `max` (never read whole then). */
export async function readSmallFile(
  dir: FileSystemDirectoryHandle,
  name: string,
  max: number,
): Promise<Uint8Array | undefined> {
  const handle = await fileIfPresent(dir, name);
  const file = await handle?.getFile();
  if (!file || file.size > max) return undefined;
  return new Uint8Array(await file.arrayBuffer());
}

/**
 * Replaces a file's content atomically: `createWritable()` writes to a swap file that `close()` moves over the old
 * one (https://fs.spec.whatwg.org/#api-filesystemfilehandle-createwritable), so a page that dies mid-write, or a
 * quota failure, leaves the old content.
 */
export async function replaceFile(dir: FileSystemDirectoryHandle, name: string, content: string): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true });
  const writable = await handle.createWritable();
  try {
    await writable.write(content);
    await writable.close();
  } catch (error) {
    await writable.abort().catch(() => {});
    throw error;
  }
}

/** Removes an entry; false when it was absent. */
export async function removeIfPresent(dir: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  return (await ifPresent(() => dir.removeEntry(name).then(() => true))) ?? false;
}

export function isNotFound(error: unknown): boolean {
  return errorName(error) === "NotFoundError";
}

/** A file in use by a sync access handle (another writer) refuses removal and a second handle with this. */
export function isLocked(error: unknown): boolean {
  return errorName(error) === "NoModificationAllowedError";
}

function errorName(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { name?: unknown }).name : undefined;
}
