// The layout a store works in: its paths, its options once normalised, and opening it (creating it when absent).
//   <dir>/oci-layout          {"imageLayoutVersion":"1.0.0"}
//   <dir>/index.json          an image index; its manifests are the roots
//   <dir>/blobs/<alg>/<hex>   content, named by its digest
//   <dir>/ingest/             toci's own: partial ingests, temp files, the index lock, upload sessions, sources,
//                             leases. Readers ignore unknown files (image-layout.md; skopeo and umoci do).
// The directories of the layout are toci's to walk and to delete in, so each must be a directory of its own: one
// that is a symbolic link (blobs/sha256 -> /home) would let gc delete, and a pull write, outside the layout. Such a
// layout is refused with STORE when it is opened, and gc checks again before it lists or deletes anything.
import { join, resolve as resolvePath } from "node:path";
import { OCI_INDEX, OciError, parseDigest, requireVerifiable } from "@toci/spec-types";
import { errorCode, type FsPromises } from "../fs-api.js";
import type { LockOptions } from "../lock.js";
import type { FsStoreWarning } from "../warnings.js";
import { createOnce, parseJsonObject, storeOp } from "./files.js";
import { readSmall } from "./read-small.js";

/** What image-layout.md says `oci-layout` holds; written once, never rewritten. */
const LAYOUT_CONTENT = '{"imageLayoutVersion":"1.0.0"}';
/** oci-layout and an upload state are a few dozen bytes; 64 KiB leaves room for any honest extension. */
export const MAX_SMALL_FILE = 64 * 1024;
/** Errors that mean "this layout cannot be written", not "this layout is broken". */
const READ_ONLY_CODES = new Set(["EROFS", "EACCES", "EPERM"]);
/** The digest algorithms whose blobs the store reads and writes (their directories under blobs/). */
export const ALGORITHMS = ["sha256", "sha512"] as const;

/** Where everything of one layout lives. */
export interface LayoutPaths {
  root: string;
  layout: string;
  index: string;
  blobs: string;
  ingest: string;
  uploads: string;
  sources: string;
  abilities: string;
  leases: string;
  lock: string;
}

/** The settings every part of the store shares, normalised once when the store opens. */
export interface Layout {
  readonly fs: FsPromises;
  readonly paths: LayoutPaths;
  readonly readOnly: boolean;
  readonly lock: LockOptions;
  /** gc() keeps unreachable blobs younger than this (ms). */
  readonly gcGracePeriod: number;
  /** How long a lease binds other processes' gc (ms). */
  readonly leaseTtl: number;
  /** Reports what was tolerated; never throws. */
  warn(warning: FsStoreWarning): void;
  /** Throws STORE when the layout is read-only. */
  writable(): void;
}

/** The settings {@link openLayout} takes (the store's options, defaults applied). */
export interface LayoutSettings {
  fs: FsPromises;
  readOnly: boolean;
  lock: LockOptions;
  gcGracePeriod: number;
  leaseTtl: number;
  onWarning: ((warning: FsStoreWarning) => void) | undefined;
}

/** The paths of the layout at `dir`. */
export function layoutPaths(dir: string): LayoutPaths {
  const root = resolvePath(dir);
  const ingest = join(root, "ingest");
  return {
    root,
    layout: join(root, "oci-layout"),
    index: join(root, "index.json"),
    blobs: join(root, "blobs"),
    ingest,
    uploads: join(ingest, "uploads"),
    sources: join(ingest, "sources"),
    abilities: join(ingest, "abilities"),
    leases: join(ingest, "leases"),
    lock: join(ingest, "index.json.lock"),
  };
}

/** Where the sources of `digest` are recorded (ingest/sources/<alg>-<hex>). */
export function sourcesPath(layout: Layout, digest: string): string {
  return join(layout.paths.sources, `${requireVerifiable(digest)}-${parseDigest(digest).encoded}`);
}

/**
 * Opens the layout at `dir`, creating what is absent when it can write. A layout it cannot write (a read-only
 * mount, another owner) opens read-only. Throws STORE when `dir` holds something that is not a layout.
 */
export async function openLayout(dir: string, settings: LayoutSettings): Promise<Layout> {
  const { fs } = settings;
  const paths = layoutPaths(dir);
  let readOnly = settings.readOnly;
  await storeOp(`cannot open the layout ${paths.root}`, async () => {
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
    });
    await requireOwnDirectories(fs, paths);
    await tryWrite(() => createFreshLayoutFiles(fs, paths));
    const bytes = await readSmall(fs, paths.layout, MAX_SMALL_FILE);
    const layout = bytes && parseJsonObject(bytes);
    if (typeof layout?.imageLayoutVersion !== "string") {
      throw new OciError("STORE", `${paths.layout} is not an OCI layout file (no imageLayoutVersion)`);
    }
    await tryWrite(() => createOnce(fs, paths.index, emptyIndex(), paths.ingest));
    if (!(await fs.lstat(paths.index)).isFile()) {
      throw new OciError("STORE", `${paths.index} is not a regular file (a symbolic link, a FIFO): refused`, {
        detail: { file: paths.index },
      });
    }
  });
  return {
    fs,
    paths,
    readOnly,
    lock: settings.lock,
    gcGracePeriod: settings.gcGracePeriod,
    leaseTtl: settings.leaseTtl,
    warn(warning) {
      try {
        settings.onWarning?.(warning);
      } catch {
        // the caller's reporting failed; the read it reports on did not
      }
    },
    writable() {
      if (readOnly) {
        throw new OciError("STORE", `the layout ${paths.root} is open read-only`, { detail: { dir: paths.root } });
      }
    },
  };
}

/**
 * On a fresh layout (no `oci-layout` yet), creates `oci-layout` and `index.json` at once, so that their two fsyncs
 * overlap rather than follow each other before a first pull can start. Where `oci-layout` is there already, nothing:
 * it is read and checked before an absent `index.json` is created beside it.
 */
async function createFreshLayoutFiles(fs: FsPromises, paths: LayoutPaths): Promise<void> {
  try {
    await fs.lstat(paths.layout);
    return;
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
  const created = await Promise.allSettled([
    createOnce(fs, paths.layout, LAYOUT_CONTENT, paths.ingest),
    createOnce(fs, paths.index, emptyIndex(), paths.ingest),
  ]);
  for (const outcome of created) if (outcome.status === "rejected") throw outcome.reason;
}

/** Throws STORE when ingest/, where every write of the store starts, is not a directory of the layout's own. */
export function requireOwnIngest(layout: Layout): Promise<void> {
  return requireDirectories(layout.fs, [layout.paths.ingest]);
}

/** When an ingest last found a layout's ingest/ to be its own (see requireOwnIngestOnce). */
const ownIngest = new WeakMap<Layout, number>();
/**
 * How long that finding is trusted: a pull of many small blobs starts hundreds of ingests a second, and ingest/
 * swapped for a link afterwards is still refused within this window (the per-ingest check had a race window too).
 */
const OWN_INGEST_TRUSTED_MS = 1000;

/**
 * requireOwnIngest, at most once a second per store: a pull of many blobs checked ingest/ before every one. A
 * writer's own file is still created with O_EXCL (never through a link planted under its name); index.json's writes
 * and gc() still check every time, and gc() checks every directory it deletes in.
 */
export async function requireOwnIngestOnce(layout: Layout): Promise<void> {
  const checked = ownIngest.get(layout);
  if (checked !== undefined && Date.now() - checked < OWN_INGEST_TRUSTED_MS) return;
  await requireOwnIngest(layout);
  ownIngest.set(layout, Date.now());
}

/**
 * Throws STORE when a directory the store walks or deletes in (blobs/, blobs/<alg>/, ingest/ and its own
 * directories) is anything but a directory: a symbolic link is never traversed. Absent ones are fine.
 */
export function requireOwnDirectories(fs: FsPromises, paths: LayoutPaths): Promise<void> {
  const blobDirs = ALGORITHMS.map((a) => join(paths.blobs, a));
  return requireDirectories(fs, [
    paths.blobs,
    ...blobDirs,
    paths.ingest,
    paths.uploads,
    paths.sources,
    paths.leases,
    paths.abilities,
  ]);
}

async function requireDirectories(fs: FsPromises, dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    let isDirectory: boolean;
    try {
      const stats = await fs.lstat(dir);
      isDirectory = stats.isDirectory() && !stats.isSymbolicLink();
    } catch (error) {
      if (errorCode(error) === "ENOENT") continue;
      throw error;
    }
    if (!isDirectory) {
      throw new OciError("STORE", `${dir} is not a directory of the layout (a symbolic link or a file): refused`, {
        detail: { file: dir },
      });
    }
  }
}

function emptyIndex(): string {
  return JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
}
