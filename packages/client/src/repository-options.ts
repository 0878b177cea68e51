// The options of Repository's (and StrictRepository's) calls, every field with its default.
import { type Descriptor, type Platform, type PlatformMatcher, platformMatcher } from "@toci/spec-types";

/** A platform to choose from an index: a predicate, a Platform, or `os/arch[/variant]`. */
export type PlatformSelector = PlatformMatcher | Platform | string;

/** What `repo.push(data, expected)` accepts as data: bytes, a Blob, or a stream (read once). */
export type PushData = Uint8Array | Blob | ReadableStream<Uint8Array>;

/** Options of a call that only can be cancelled. */
export interface SignalOptions {
  /** Cancels the call: it ends with `ABORTED`. @default none */
  signal?: AbortSignal;
}

/** Options of {@link Repository.resolve}. */
export interface ResolveOptions extends SignalOptions {
  /** With an index: resolve to its first manifest for this platform instead of the index itself. @default none */
  platform?: PlatformSelector;
}

/**
 * Called as each blob (config or layer) of a pull, push or copy advances: with its descriptor and the bytes of it
 * done so far (transferred, or found already present), first with what is already held, last with
 * `descriptor.size`. The transfer's own events carry the totals; this is only for showing blobs one by one.
 * A callback that throws is ignored.
 */
export type BlobProgressCallback = (descriptor: Descriptor, bytes: number) => void;

/** Options of {@link Repository.pull}. */
export interface PullOptions {
  /**
   * With an index: pull only the first manifest for this platform, and name it (not the index) with the tag, as
   * skopeo does. Without: the index and every child.
   * @default none
   */
  platform?: PlatformSelector;
  /** Cancels the pull; it ends with a `failed` event (`ABORTED`), partial blobs kept for resuming. @default none */
  signal?: AbortSignal;
  /** Per-blob progress (layers and configs), for per-blob progress bars; see {@link BlobProgressCallback}. */
  onBlob?: BlobProgressCallback;
}

/** Options of {@link Repository.fetch}. */
export interface FetchOptions {
  /** Cancels the fetch: the stream errors and the call ends with `ABORTED`. @default none */
  signal?: AbortSignal;
}

/** Options of a blob push, `repo.push(data, expected, options)`. */
export interface BlobPushOptions {
  /**
   * Repositories on the same registry that may hold the blob: it is mounted from them instead of uploaded.
   * @default []
   */
  mountFrom?: string[];
  /** Cancels the push; it ends with `ABORTED`, and the upload session is kept for a rerun to resume. @default none */
  signal?: AbortSignal;
}

/** Options of a tree push, `repo.push(root, options)`. */
export interface TreePushOptions extends SignalOptions {
  /** Tag the root with this, on the registry and in the store. @default none: the root is pushed by digest */
  tag?: string;
  /**
   * Repositories on the same registry to mount every blob from, whether or not the store holds it (a base image's
   * repository, for a layout that leaves out its layers). Without it, a blob is mounted only when the store holds
   * it, and only from repositories the store itself recorded pulling it from: a layout received from elsewhere
   * cannot name a repository for the push to mount from (its credentials would copy what the layout never had).
   * @default []
   */
  mountFrom?: string[];
  /** Per-blob progress; see {@link BlobProgressCallback}. */
  onBlob?: BlobProgressCallback;
}

/** Options of {@link Repository.tag}. */
export interface TagOptions {
  /** Cancels the tagging: it ends with `ABORTED`. @default none */
  signal?: AbortSignal;
}

/** Options of {@link Repository.referrers}. */
export interface ReferrersOptions extends SignalOptions {
  /** Only referrers of this artifact type. @default every referrer */
  artifactType?: string;
}

/** The matcher of a platform selector (normalised once, at the entry). */
export function toMatcher(platform: PlatformSelector): PlatformMatcher;
export function toMatcher(platform: PlatformSelector | undefined): PlatformMatcher | undefined;
export function toMatcher(platform: PlatformSelector | undefined): PlatformMatcher | undefined {
  if (platform === undefined) return undefined;
  return typeof platform === "function" ? platform : platformMatcher(platform);
}
