// A repository as the pull entry (@toci/client/pull) has it: tags, resolve, exists, fetch, pull and referrers, with
// the error model of the client: network, protocol and store failures never throw out of these calls; they come
// back as undefined, false, [] or a `failed` event carrying an OciError, and the logger receives every one. The full
// Repository of @toci/client extends it with push, pushArtifact, tag and delete, so code written against this one
// takes either.
import type { Descriptor, TransferEvent } from "@toci/spec-types";
import type { RegistryContext } from "./internal/context.js";
import { guarded, transferOf } from "./internal/guarded.js";
import { pullWork } from "./internal/pull/pull.js";
import { Remote } from "./internal/remote.js";
import type { PullRegistry } from "./pull-registry.js";
import {
  type FetchOptions,
  type PullOptions,
  type ReferrersOptions,
  type ResolveOptions,
  type SignalOptions,
  toMatcher,
} from "./repository-options.js";
import { StrictPullRepository } from "./strict-pull-repository.js";

let handles: ((repository: PullRepository) => { remote: Remote; strict: StrictPullRepository }) | undefined;

/**
 * A repository on a registry: list its tags, resolve and fetch content, pull into the client's store, and find
 * referrers. Obtained from `registry.repo(name)`.
 *
 * No call throws for a network, protocol or store failure: it resolves `undefined`, `false` or `[]`, or a transfer
 * ends with a `failed` event, and the client's logger receives the `OciError`.
 */
export class PullRepository {
  /** The registry this repository is on. */
  readonly registry: PullRegistry;
  /** The repository's name (`library/ubuntu`). */
  readonly name: string;
  readonly #remote: Remote;
  readonly #strict: StrictPullRepository;

  static {
    handles = (repository) => ({ remote: repository.#remote, strict: repository.#strict });
  }

  /**
   * @internal Use `registry.repo(name)`. `strictFace` makes the throwing calls these guard (the full Repository's
   * are StrictRepository, which writes too).
   */
  constructor(
    registry: PullRegistry,
    name: string,
    context: RegistryContext,
    strictFace: (remote: Remote) => StrictPullRepository = (remote) => new StrictPullRepository(remote),
  ) {
    this.registry = registry;
    this.name = name;
    this.#remote = new Remote(context, name);
    this.#strict = strictFace(this.#remote);
  }

  /** `host/name`, the repository's full name in references. */
  get reference(): string {
    return this.#remote.reference;
  }

  /**
   * Every tag, following `Link` pages (or `last` when the registry sends no Link). `tags: null` counts as none.
   * Resolves `[]` on failure, with the error logged.
   */
  async tags(options: SignalOptions = {}): Promise<string[]> {
    return guarded(this.#remote, "tags", [], () => this.#strict.tags(options));
  }

  /**
   * The descriptor a tag (or digest) points at: HEAD, falling back to GET when the registry gives no digest. With
   * `platform`, an index resolves to its first matching manifest. Resolves undefined on failure, logged.
   */
  async resolve(reference: string, options: ResolveOptions = {}): Promise<Descriptor | undefined> {
    return guarded(this.#remote, "resolve", undefined, () => this.#strict.resolve(reference, options));
  }

  /**
   * The descriptor of a blob by digest (HEAD on the blob endpoint): its size from `Content-Length`, media type
   * `application/octet-stream` (a registry does not know a blob's type). For fetching a blob known only by digest.
   * Resolves undefined on failure (`BLOB_UNKNOWN` when absent), logged.
   */
  async resolveBlob(digest: string, options: SignalOptions = {}): Promise<Descriptor | undefined> {
    return guarded(this.#remote, "resolveBlob", undefined, () => this.#strict.resolveBlob(digest, options));
  }

  /** Whether the registry has this content (HEAD on the manifest or blob endpoint). False on failure, logged. */
  async exists(descriptor: Descriptor, options: SignalOptions = {}): Promise<boolean> {
    return guarded(this.#remote, "exists", false, () => this.#strict.exists(descriptor, options));
  }

  /**
   * Streams content to `handler`, verified as it flows: a size or digest mismatch errors the stream, and then the
   * call resolves undefined (logged) whatever the handler returned.
   */
  async fetch<T>(
    descriptor: Descriptor,
    handler: (stream: ReadableStream<Uint8Array>) => Promise<T> | T,
    options: FetchOptions = {},
  ): Promise<T | undefined> {
    return guarded(this.#remote, "fetch", undefined, () => this.#strict.fetch(descriptor, handler, options));
  }

  /**
   * Pulls a tag or a descriptor, and everything under it, into the client's store. Yields progress by bytes, then
   * `progress 100` (success) or `failed` (an OciError). Pulled by tag, the root is named `host/repo:tag` in the store
   * once everything under it is committed; a pull cut short keeps its partial blobs, and a rerun resumes them.
   */
  pull(reference: string | Descriptor, options: PullOptions = {}): AsyncIterable<TransferEvent> {
    const request = { reference, platform: toMatcher(options.platform), onBlob: options.onBlob };
    return transferOf(this.#remote, `pull ${this.reference}`, pullWork(this.#remote, request), options.signal);
  }

  /**
   * The manifests that refer to `subject` (signatures, SBOMs, attestations): the referrers API where the registry
   * has it, else the fallback tag. Resolves [] on failure (logged).
   */
  async referrers(subject: Descriptor, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    return guarded(this.#remote, "referrers", [], () => this.#strict.referrers(subject, options));
  }

  /** `Repository(<host>/<name>)`, for logs and debugging. */
  toString(): string {
    return `Repository(${this.reference})`;
  }
}

/** The core and the throwing face of a repository, for the full Repository. Not exported by the package. */
export function pullHandles(repository: PullRepository): { remote: Remote; strict: StrictPullRepository } {
  return handles!(repository);
}
