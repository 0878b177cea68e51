// A Store that is an OCI image layout on disk (image-spec v1.1.1 image-layout.md), wired from its parts:
//   internal/layout.ts       the layout's paths and options, opening (and creating) it
//   internal/blobs.ts        committed blobs: stat, read, fetch, list
//   internal/leased-blobs.ts exists(), existsAll() (internal/blob-listing.ts), ingest() and leaseBlobs(), every blob
//                            leased first (internal/leases.ts)
//   internal/ingest.ts       writers: resume, hash, write (internal/file-sink.ts), verify, publish
//   internal/partials.ts     the writers' files in ingest/ and who may take them over (internal/liveness.ts,
//                            internal/ingest-listing.ts)
//   internal/index-json.ts   index.json read and replaced under the index lock (lock.ts, index-file.ts)
//   internal/gc.ts           garbage collection (internal/reachability.ts, internal/leases.ts)
//   internal/upload-state.ts upload sessions
//   internal/sources.ts      where blobs came from, each record bound to the blob file it was made for
//   internal/abilities.ts    what the client learnt about registries
// Writes are atomic: a blob is written to ingest/, fsynced, verified and renamed into blobs/; index.json is
// replaced by write-temp, fsync, rename, under a lock that also holds across processes. A process killed at any
// moment leaves a readable layout: at worst a file in ingest/ that a later ingest resumes or gc sweeps. Paths are
// built only from validated digests (sha256/sha512 with their exact hex length), never from names a registry or a
// file supplied, and only regular files and directories of the layout's own are read, written or deleted: a
// symbolic link or a FIFO planted in a layout is refused (internal/read-small.ts, internal/layout.ts).
import * as nodeFs from "node:fs/promises";
import {
  type AbilityKeeper,
  type BatchBlobChecker,
  type BatchSourceRecorder,
  type BlobLeaser,
  type Descriptor,
  digestOf,
  findRoot,
  type GarbageCollector,
  manifestDescriptor,
  type RootPredicate,
  referenceDigest,
  requireVerifiable,
  type SourceRecorder,
  type Store,
  tagRoots,
  type UploadStateKeeper,
  untagRoots,
} from "@toci/spec-types";
import type { FsPromises } from "./fs-api.js";
import { registryAbilities } from "./internal/abilities.js";
import { blobPath, fetchBlob, isStorable, readBlob, removeBlob, syncBlobNames } from "./internal/blobs.js";
import { collectGarbage } from "./internal/gc.js";
import { readIndex, updateIndex } from "./internal/index-json.js";
import { type Layout, openLayout } from "./internal/layout.js";
import { leasedBlobs } from "./internal/leased-blobs.js";
import { leases } from "./internal/leases.js";
import { blobSources } from "./internal/sources.js";
import { uploadStates } from "./internal/upload-state.js";
import type { FsStoreWarning } from "./warnings.js";

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

/**
 * A layout store: a Store that also keeps upload sessions, blob sources and what was learnt about registries, leases
 * many blobs at once (a pull's graph, kept from other processes' gc), tells which of many blobs it holds with one
 * listing, and knows where it lives.
 */
export interface FsStore
  extends Store,
    BatchBlobChecker,
    UploadStateKeeper,
    SourceRecorder,
    BatchSourceRecorder,
    AbilityKeeper,
    GarbageCollector,
    BlobLeaser {
  /** The layout's directory. */
  readonly dir: string;
  /** Whether writes are refused (asked for, or the layout could not be written when it was opened). */
  readonly readOnly: boolean;
  /**
   * Makes the names of blobs committed since index.json last changed durable (a commit syncs the blob's bytes; the
   * directory is synced once, before index.json changes or here), ends this store's leases (the blobs it wrote or
   * found, kept from other processes' gc until then) and closes their file. The client calls it from its own
   * `close()`. The store stays usable: a later write leases anew.
   */
  close(): Promise<void>;
}

/** The largest blob resolve() reads to describe a manifest named by its digest (distribution-spec's size). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Opens the OCI image layout at `dir` as a Store, creating it (and `dir`) when absent. An existing layout written
 * by skopeo, umoci, oras or another toci opens as is. Throws `STORE` when `dir` holds something that is not a
 * layout (an `oci-layout` file that is not the spec's JSON object, a directory of the layout that is a symbolic
 * link).
 */
export async function fsStore(dir: string, options: FsStoreOptions = {}): Promise<FsStore> {
  const layout = await openLayout(dir, {
    fs: options.fs ?? (nodeFs as unknown as FsPromises),
    readOnly: options.readOnly ?? false,
    lock: { timeout: options.lockTimeout ?? 30_000, staleAfter: options.staleLockAfter ?? 60_000 },
    gcGracePeriod: options.gcGracePeriod ?? 0,
    leaseTtl: options.leaseTtl ?? DAY_MS,
    onWarning: options.onWarning,
  });
  const { fs, paths } = layout;
  // A read-only layout takes no leases: it writes nothing, and runs no gc() that would need them.
  const lease = layout.readOnly ? undefined : leases(fs, paths.leases, layout.leaseTtl);
  return {
    dir: paths.root,
    readOnly: layout.readOnly,
    ...uploadStates(layout),
    ...blobSources(layout),
    ...registryAbilities(layout),
    ...leasedBlobs(layout, lease),

    async close() {
      // Renames of blobs committed since index.json last changed are made durable (see syncBlobNames).
      if (!layout.readOnly) await syncBlobNames(layout);
      await lease?.release();
    },

    fetch: (descriptor, fetchOptions) => fetchBlob(layout, descriptor, fetchOptions),

    resolve: (reference: string | RootPredicate) => resolveRoot(layout, reference),

    async tag(descriptor, reference) {
      layout.writable();
      await updateIndex(layout, (roots) => ({ roots: tagRoots(roots, descriptor, reference), result: undefined }));
    },

    async untag(reference) {
      layout.writable();
      return updateIndex(layout, (roots) => {
        const { roots: next, removed } = untagRoots(roots, reference);
        return { roots: removed ? next : roots, result: removed };
      });
    },

    async list() {
      return (await readIndex(layout)).roots;
    },

    async remove(descriptor) {
      layout.writable();
      blobPath(layout, descriptor.digest); // refuses a digest no path can be built from, before anything changes
      const untagged = await updateIndex(layout, (roots) => {
        const next = roots.filter((r) => r.digest !== descriptor.digest);
        return { roots: next.length === roots.length ? roots : next, result: next.length !== roots.length };
      });
      return (await removeBlob(layout, descriptor.digest)) || untagged;
    },

    gc: () => collectGarbage(layout, lease),
  };
}

/** A root by name or predicate; else, for a digest, the stored manifest it names, verified (Resolver). */
async function resolveRoot(layout: Layout, reference: string | RootPredicate): Promise<Descriptor | undefined> {
  const root = findRoot((await readIndex(layout)).roots, reference);
  if (root) return root;
  const digest = typeof reference === "string" ? referenceDigest(reference) : undefined;
  if (!digest || !isStorable(digest)) return undefined;
  const bytes = await readBlob(layout, digest, MAX_MANIFEST_BYTES);
  // Verified before it is described: a resolve by digest must not vouch for corrupt bytes.
  if (!bytes || (await digestOf(bytes, requireVerifiable(digest))) !== digest) return undefined;
  return manifestDescriptor(digest, bytes);
}
