// The Store contract (docs/architecture.md §2): content-addressed blobs plus named roots. Small interfaces with one verb each
// (docs/architecture.md §4 item 1), composed into Store; optional abilities are separate interfaces with a guard.
// Stores report failures by throwing an OciError (STORE, NOT_FOUND, DIGEST_MISMATCH, SIZE_MISMATCH, ...); the client
// turns them into its no-throw results.
import type { Descriptor } from "./descriptor.js";
import type { Digest } from "./digest.js";

/** Tells whether a blob is present (committed and visible). */
export interface BlobChecker {
  exists(descriptor: Descriptor): Promise<boolean>;
}

/**
 * Optional ability: tells whether each of many blobs is present at once (a pull asks it of every blob of its graph).
 * Each answer is the one `exists()` would give, with the same effects; a store where one look answers many (store-fs:
 * one listing of a directory instead of a stat per blob) makes fewer calls. Without it, the client asks `exists()`
 * of each blob.
 */
export interface BatchBlobChecker {
  /** `exists()` of each descriptor, in their order. */
  existsAll(descriptors: readonly Descriptor[]): Promise<boolean[]>;
}

/** Whether a store tells the presence of many blobs at once. */
export function isBatchBlobChecker(store: unknown): store is BatchBlobChecker {
  const s = store as Partial<BatchBlobChecker> | null;
  return typeof s === "object" && s !== null && typeof s.existsAll === "function";
}

/** Options for {@link BlobFetcher.fetch}. */
export interface FetchOptions {
  /** Cancels the read; the stream errors with `ABORTED`. */
  signal?: AbortSignal;
}

/**
 * Reads a blob. The stream is verified against the descriptor's size and digest as it flows and errors with
 * `SIZE_MISMATCH` or `DIGEST_MISMATCH` rather than end cleanly on corrupt content. Throws `NOT_FOUND` when absent.
 * The chunks it hands out are the reader's: writing into one changes nothing stored.
 */
export interface BlobFetcher {
  fetch(descriptor: Descriptor, options?: FetchOptions): Promise<ReadableStream<Uint8Array>>;
}

/** Options for {@link BlobIngester.ingest}. */
export interface IngestOptions {
  /**
   * Whether to continue a partial write of the same digest left by an earlier, interrupted ingest. When false,
   * any partial is discarded and the ingest starts at offset 0.
   * @default true
   */
  resume?: boolean;
}

/**
 * A writer for one blob. Bytes are appended from {@link offset}; {@link commit} verifies and publishes them.
 * A blob that failed verification is never visible.
 */
export interface Ingest {
  /** The blob being written. */
  readonly descriptor: Descriptor;
  /**
   * How many bytes this writer already holds: 0 for a fresh ingest; the length of a partial write when one was
   * resumed (its bytes are not trusted: re-hashed on open, or read back at commit when the store verifies the blob
   * whole); the full size when the blob is already present,
   * in which case {@link commit} does nothing. Grows with every write.
   */
  readonly offset: number;
  /**
   * Appends bytes. Throws `SIZE_MISMATCH` as soon as more bytes arrive than the descriptor's size. The store is
   * done with `chunk` once the promise settles (it copies what it keeps): the caller may then reuse its memory, as a
   * pull reading every body into one buffer does.
   */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Verifies size and digest of everything written and makes the blob visible atomically. On a mismatch throws
   * `SIZE_MISMATCH` or `DIGEST_MISMATCH` and discards the partial: nothing becomes visible.
   */
  commit(): Promise<void>;
  /** Discards what was written; nothing is left behind. Safe to call after commit (then it does nothing). */
  abort(): Promise<void>;
  /**
   * Releases the writer but keeps what was written, so that a later ingest of the same digest resumes from it
   * (a pull cut by a network failure or a process exit). Safe to call after commit or abort.
   */
  close(): Promise<void>;
}

/**
 * Opens writers for blobs. Concurrent ingests of the same digest are safe: each may be given a writer, all may
 * commit, and the blob ends up visible once with the right content.
 */
export interface BlobIngester {
  ingest(descriptor: Descriptor, options?: IngestOptions): Promise<Ingest>;
}

/**
 * Finds a root. `reference` is a tag (`v1`), a full reference (`registry/repo:v1`, matched against
 * `io.containerd.image.name`, then `org.opencontainers.image.ref.name`), a digest (`sha256:…`) or a reference
 * with a digest; a predicate picks the first root it accepts. Resolving a digest that no root names returns a
 * descriptor of the stored blob when it is a manifest or index.
 */
export interface Resolver {
  resolve(reference: string | RootPredicate): Promise<Descriptor | undefined>;
}

/** Chooses a root, given its descriptor as `index.json` holds it (annotations included). */
export type RootPredicate = (root: Descriptor) => boolean;

/**
 * Names a root. `reference` is a tag or a full reference with a tag; the root records the tag as
 * `org.opencontainers.image.ref.name` and a full reference as `io.containerd.image.name`. An existing root of the
 * same name is replaced. Concurrent tag updates never lose one another.
 */
export interface Tagger {
  tag(descriptor: Descriptor, reference: string): Promise<void>;
}

/** Removes a root's name. Resolves true when a root was removed. The content stays until gc(). */
export interface Untagger {
  untag(reference: string): Promise<boolean>;
}

/** Lists the roots (the manifests of `index.json`), with their annotations, in order. */
export interface RootLister {
  list(): Promise<Descriptor[]>;
}

/**
 * Removes one blob, and every root that points at it. Children are left for gc(). Resolves true when something
 * was removed, false when it was absent.
 */
export interface Remover {
  remove(descriptor: Descriptor): Promise<boolean>;
}

/**
 * Deletes every blob that is not reachable from a root (through manifests and indexes, OCI and Docker, nested
 * indexes, and the referrers of reachable manifests) and every abandoned partial ingest. Returns what it removed.
 */
export interface GarbageCollector {
  gc(): Promise<Digest[]>;
}

/** Everything the client reads from a store. */
export interface ReadOnlyStore extends BlobChecker, BlobFetcher, Resolver, RootLister {}

/** The whole Store contract. */
export interface Store extends ReadOnlyStore, BlobIngester, Tagger, Untagger, Remover, GarbageCollector {}

/** A store that holds resources (file handles, database connections) and can release them. */
export interface ClosableStore extends Store {
  close(): Promise<void>;
}

/** Whether a store can be closed. */
export function isClosableStore(store: Store): store is ClosableStore {
  return typeof (store as Partial<ClosableStore>).close === "function";
}

/** Where an unfinished blob upload stands, so a push can resume after a restart. */
export interface UploadState {
  /** The upload session URL (the last `Location` the registry returned). */
  location: string;
  /** Bytes the registry acknowledged. */
  offset: number;
  /** When the state was written (ms since the epoch); stale sessions are dropped by the client. */
  updatedAt: number;
}

/**
 * Optional ability: keeps upload sessions across process restarts, keyed by a string the client chooses (the
 * registry, repository and digest). Without it, the client keeps them in memory only.
 */
export interface UploadStateKeeper {
  getUpload(key: string): Promise<UploadState | undefined>;
  setUpload(key: string, state: UploadState): Promise<void>;
  deleteUpload(key: string): Promise<void>;
}

/** Whether a store keeps upload state across restarts. */
export function isUploadStateKeeper(store: unknown): store is UploadStateKeeper {
  const s = store as Partial<UploadStateKeeper> | null;
  return (
    typeof s === "object" &&
    s !== null &&
    typeof s.getUpload === "function" &&
    typeof s.setUpload === "function" &&
    typeof s.deleteUpload === "function"
  );
}

/**
 * Optional ability: remembers which repositories a blob came from (`registry/repository`), so that a push to
 * another repository of the same registry can mount it instead of uploading it.
 */
export interface SourceRecorder {
  recordSource(digest: Digest, repository: string): Promise<void>;
  sources(digest: Digest): Promise<string[]>;
}

/** Whether a store remembers where blobs came from. */
export function isSourceRecorder(store: unknown): store is SourceRecorder {
  const s = store as Partial<SourceRecorder> | null;
  return typeof s === "object" && s !== null && typeof s.recordSource === "function" && typeof s.sources === "function";
}

/** One source of a blob: the blob and the repository (`registry/repository`) it came from. */
export interface SourceRecord {
  digest: Digest;
  repository: string;
}

/**
 * Optional ability of a {@link SourceRecorder}: records the sources of many blobs at once. A pull of many small
 * blobs records each of them; a store whose every record is a file write (store-fs) writes them in one instead.
 * Without it, the client records each source on its own.
 */
export interface BatchSourceRecorder {
  recordSources(records: readonly SourceRecord[]): Promise<void>;
}

/** Whether a store records many blob sources at once. */
export function isBatchSourceRecorder(store: unknown): store is BatchSourceRecorder {
  const s = store as Partial<BatchSourceRecorder> | null;
  return typeof s === "object" && s !== null && typeof s.recordSources === "function";
}

/**
 * Optional ability: keeps blobs an operation relies on from garbage collection elsewhere (another process's `gc()`
 * on the same storage) until the store is closed. A pull, which names its root only once every blob is in, leases
 * all the blobs of a graph at once before it looks for any of them; without it, the store protects each blob as it
 * is checked or written, one record at a time.
 */
export interface BlobLeaser {
  leaseBlobs(digests: readonly Digest[]): Promise<void>;
}

/** Whether a store can lease many blobs at once. */
export function isBlobLeaser(store: unknown): store is BlobLeaser {
  const s = store as Partial<BlobLeaser> | null;
  return typeof s === "object" && s !== null && typeof s.leaseBlobs === "function";
}

/**
 * Room for content, as the store's runtime reports it. An estimate: see {@link SpaceEstimator} for what it is worth.
 */
export interface SpaceEstimate {
  /** Bytes the runtime says may still be written (`quota` − `usage`); undefined when it says nothing. */
  available: number | undefined;
  /** Bytes the origin (or volume) uses now, as reported; undefined when unknown. */
  usage: number | undefined;
  /** The limit, as reported; undefined when unknown. */
  quota: number | undefined;
  /** Whether the storage is persistent (not cleared under storage pressure); undefined when unknown. */
  persisted: boolean | undefined;
}

/**
 * Optional ability: says how much room the store's storage has left, so that a pull can refuse content that
 * cannot fit before downloading any of it ({@link hasRoomFor}). Runtimes over-report (Chromium's `quota` is usage +
 * 10 GiB whatever the disk holds): a "no" is reliable, a "yes" is not a promise, and a write can still fail with
 * `STORE` (`detail.quotaExceeded`), leaving a partial that a later ingest resumes.
 */
export interface SpaceEstimator {
  estimateSpace(): Promise<SpaceEstimate>;
}

/** Whether a store can estimate its room. */
export function isSpaceEstimator(store: unknown): store is SpaceEstimator {
  const s = store as Partial<SpaceEstimator> | null;
  return typeof s === "object" && s !== null && typeof s.estimateSpace === "function";
}

/** Whether `bytes` more fit an estimate: false only when the runtime reported less room than that. */
export function hasRoomFor(estimate: SpaceEstimate, bytes: number): boolean {
  return estimate.available === undefined || bytes <= estimate.available;
}
