// @toci/spec-types: the OCI data model, strict parsers for untrusted input, digests and hashing, and the Store
// and Transport contracts. No I/O. Every public name is listed here; nothing under src/internal/ is public.

export { createHasher, hasherImplementation, provideHashWasm } from "#hasher";
export {
  type AbilityKeeper,
  isAbilityKeeper,
  type KeptAbilities,
  type KeptAbility,
  keptAbilities,
} from "./ability-keeper.js";
export { isLoopbackHost, isPrivateHost } from "./address.js";
export {
  ANNOTATION_AUTHORS,
  ANNOTATION_BASE_DIGEST,
  ANNOTATION_BASE_NAME,
  ANNOTATION_CONTAINERD_IMAGE_NAME,
  ANNOTATION_CREATED,
  ANNOTATION_DESCRIPTION,
  ANNOTATION_DOCUMENTATION,
  ANNOTATION_LICENSES,
  ANNOTATION_REF_NAME,
  ANNOTATION_REVISION,
  ANNOTATION_SOURCE,
  ANNOTATION_TITLE,
  ANNOTATION_URL,
  ANNOTATION_VENDOR,
  ANNOTATION_VERSION,
  type Annotations,
} from "./annotations.js";
export { type BlobAppender, isBlobAppender } from "./blob-appender.js";
export { type BodyWriter, isBodyWriter, type WriteBodyOptions } from "./body-writer.js";
export { type PassHooks, passBytes } from "./byte-pass.js";
export { baseDescriptor, contentKey, type Descriptor, EMPTY_DESCRIPTOR, EMPTY_JSON } from "./descriptor.js";
export { type Digest, isDigest, type ParsedDigest, parseDigest, verifiableAlgorithm } from "./digest.js";
export {
  CLIENT_ERROR_CODES,
  isOciError,
  isOciErrorCode,
  OciError,
  type OciErrorCode,
  type OciErrorOptions,
  REGISTRY_ERROR_CODES,
  type RegistryErrorEntry,
  toOciError,
} from "./errors.js";
export {
  type BlobReader,
  manifestDescriptor,
  type ReachabilityDoubt,
  type ReachableOptions,
  reachable,
  referenceDigest,
  resolveStoredManifest,
} from "./graph.js";
export type { HashAlgorithm, Hasher } from "./hasher.js";
export { appliesLowSpeed, LowSpeedClock, type LowSpeedRule, type LowSpeedTransport } from "./low-speed.js";
export {
  checkDescriptor,
  DEFAULT_MAX_MANIFEST_BYTES,
  type DockerManifest,
  type DockerManifestList,
  type Index,
  isIndex,
  type Manifest,
  manifestMediaType,
  type ParseManifestOptions,
  parseManifest,
  successors,
} from "./manifest.js";
export {
  baseMediaType,
  DOCKER_CONFIG,
  DOCKER_FOREIGN_LAYER,
  DOCKER_LAYER,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_SCHEMA1,
  DOCKER_MANIFEST_SCHEMA1_SIGNED,
  DOCKER_PLUGIN_CONFIG,
  INDEX_MEDIA_TYPES,
  isIndexMediaType,
  isManifestMediaType,
  isManifestOrIndexMediaType,
  isValidMediaType,
  MANIFEST_ACCEPT,
  MANIFEST_MEDIA_TYPES,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE,
  OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE_ZSTD,
  OCI_LAYER_ZSTD,
  OCI_LAYOUT_HEADER,
  OCI_MANIFEST,
  OCTET_STREAM,
} from "./media-types.js";
export {
  formatPlatform,
  normalizePlatform,
  type Platform,
  type PlatformMatcher,
  parsePlatform,
  platformMatcher,
  platformMatches,
  selectPlatform,
} from "./platform.js";
export { presentIngest } from "./present-ingest.js";
export { redactUrl, redactUrls } from "./redact.js";
export {
  type Hop,
  isRedirect,
  type NextHopOptions,
  nextHop,
  type RedirectRefusal,
  sameOrigin,
} from "./redirect-policy.js";
export {
  DEFAULT_TAG,
  DOCKER_HUB,
  DOCKER_HUB_API_HOST,
  isRepositoryName,
  isTag,
  normalizeRegistry,
  normalizeRepository,
  type ParseReferenceOptions,
  parseReference,
  Reference,
} from "./reference.js";
export { referrersTag } from "./referrers.js";
export { type RetryLoop, retryLoop } from "./retry-loop.js";
export {
  backoffDelay,
  decideRetry,
  isReplayable,
  isRetryable,
  parseRetryAfter,
  type RetryDecision,
  type RetryPolicy,
} from "./retry-policy.js";
export { findRoot, parseRootName, type RootName, rootDescriptor, tagRoots, untagRoots } from "./roots.js";
export {
  type BatchBlobChecker,
  type BatchSourceRecorder,
  type BlobChecker,
  type BlobFetcher,
  type BlobIngester,
  type BlobLeaser,
  type ClosableStore,
  type FetchOptions,
  type GarbageCollector,
  hasRoomFor,
  type Ingest,
  type IngestOptions,
  isBatchBlobChecker,
  isBatchSourceRecorder,
  isBlobLeaser,
  isClosableStore,
  isSourceRecorder,
  isSpaceEstimator,
  isUploadStateKeeper,
  type ReadOnlyStore,
  type Remover,
  type Resolver,
  type RootLister,
  type RootPredicate,
  type SourceRecord,
  type SourceRecorder,
  type SpaceEstimate,
  type SpaceEstimator,
  type Store,
  type Tagger,
  type Untagger,
  type UploadState,
  type UploadStateKeeper,
} from "./store.js";
export type { FailedEvent, ProgressEvent, TransferEvent } from "./transfer-event.js";
export {
  type BlobBodyResponse,
  type BlobReadOptions,
  type ClosableTransport,
  type HttpMethod,
  isBlobBodyResponse,
  isClosableTransport,
  isWholeBodyResponse,
  type Transport,
  type TransportBody,
  type TransportRequest,
  type TransportResponse,
  type WholeBodyResponse,
} from "./transport.js";
export {
  abortError,
  type FailureContext,
  timeoutError,
  transportError,
} from "./transport-failure.js";
export {
  type CommonTransportOptions,
  countOption,
  DEFAULT_RETRY,
  millisecondsOption,
  type NormalizedTransportOptions,
  normalizeTransportOptions,
  type RetryOptions,
} from "./transport-options.js";
export { type CheckedRequest, checkRequest } from "./transport-request.js";
export {
  checkAppend,
  checkComplete,
  chunksOf,
  createVerifier,
  type DescribableContent,
  type DescribeOptions,
  describe,
  digestMismatch,
  digestOf,
  readAll,
  readResponse,
  requireIngestable,
  requireVerifiable,
  sizeMismatch,
  type VerifierOptions,
  writeBlob,
} from "./verify.js";
export { parseWarnings, type TransportWarning, warningReporter } from "./warning-policy.js";
export {
  heldWebLocks,
  holdWebLock,
  type LeaseOptions,
  type Leases,
  type LockManagerLike,
  type ReleaseLock,
  tryWebLock,
  webLockLeases,
  webLocks,
} from "./web-locks.js";
export {
  estimateWebStorage,
  guardWebStorage,
  isQuotaExceeded,
  persistWebStorage,
  webStorageError,
} from "./web-storage.js";
export {
  checkWholeDigest,
  digestsWhole,
  isContentMismatch,
  WHOLE_DIGEST_MAX,
  wholeDigestBound,
  wholeDigestTurn,
} from "./whole-digest.js";
export {
  type ChannelWorker,
  serveWorkerRequests,
  type WorkerAnswer,
  type WorkerChannel,
  type WorkerChannelNames,
  type WorkerEventLike,
  type WorkerScopeLike,
  workerChannel,
} from "./worker-channel.js";
export {
  type BlobIngestMessage,
  type IngestChannel,
  type IngestMessage,
  openWorkerIngest,
  type WriterOpened,
  type WriterOpenReply,
  workerIngest,
} from "./worker-ingest.js";
