// A repository on a registry, with the error model of the client: network, protocol and store failures never throw
// out of these calls; they come back as undefined, false, [] or a `failed` event carrying an OciError, and the
// logger receives every one. Each call is a guarded call of the throwing core (StrictRepository, internal/remote.ts).
import { type Descriptor, type Index, type Manifest, OciError, type TransferEvent, toOciError } from "@toci/spec-types";
import type { PushArtifactOptions, PushFile } from "./artifact-options.js";
import { checkDescriptor } from "./internal/checks.js";
import type { RegistryContext } from "./internal/context.js";
import { pullWork } from "./internal/pull/pull.js";
import { artifactPushWork } from "./internal/push/push-artifact.js";
import { treePushWork } from "./internal/push/push-tree.js";
import { sourceOf } from "./internal/push/source.js";
import { uploadBlob } from "./internal/push/upload.js";
import { Remote } from "./internal/remote.js";
import { blobReport, transfer, type Work } from "./internal/transfer.js";
import type { Registry } from "./registry.js";
import {
  type BlobPushOptions,
  type FetchOptions,
  type PullOptions,
  type PushData,
  type ReferrersOptions,
  type ResolveOptions,
  type SignalOptions,
  type TagOptions,
  type TreePushOptions,
  toMatcher,
} from "./repository-options.js";
import { StrictRepository } from "./strict-repository.js";

let handles: ((repository: Repository) => { remote: Remote; strict: StrictRepository }) | undefined;

/**
 * A repository on a registry: list its tags, resolve and fetch content, pull into the client's store, push from it,
 * tag, delete, and find referrers. Obtained from `registry.repo(name)`.
 *
 * No call throws for a network, protocol or store failure: it resolves `undefined`, `false` or `[]`, or a transfer
 * ends with a `failed` event, and the client's logger receives the `OciError`. `strict(repo)` from
 * `@toci/client/strict` gives the same calls throwing instead.
 */
export class Repository {
  /** The registry this repository is on. */
  readonly registry: Registry;
  /** The repository's name (`library/ubuntu`). */
  readonly name: string;
  readonly #remote: Remote;
  readonly #strict: StrictRepository;

  static {
    handles = (repository) => ({ remote: repository.#remote, strict: repository.#strict });
  }

  /** @internal Use `registry.repo(name)`. */
  constructor(registry: Registry, name: string, context: RegistryContext) {
    this.registry = registry;
    this.name = name;
    this.#remote = new Remote(context, name);
    this.#strict = new StrictRepository(this.#remote);
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
    return this.#guard("tags", [], () => this.#strict.tags(options));
  }

  /**
   * The descriptor a tag (or digest) points at: HEAD, falling back to GET when the registry gives no digest. With
   * `platform`, an index resolves to its first matching manifest. Resolves undefined on failure, logged.
   */
  async resolve(reference: string, options: ResolveOptions = {}): Promise<Descriptor | undefined> {
    return this.#guard("resolve", undefined, () => this.#strict.resolve(reference, options));
  }

  /**
   * The descriptor of a blob by digest (HEAD on the blob endpoint): its size from `Content-Length`, media type
   * `application/octet-stream` (a registry does not know a blob's type). For fetching a blob known only by digest.
   * Resolves undefined on failure (`BLOB_UNKNOWN` when absent), logged.
   */
  async resolveBlob(digest: string, options: SignalOptions = {}): Promise<Descriptor | undefined> {
    return this.#guard("resolveBlob", undefined, () => this.#strict.resolveBlob(digest, options));
  }

  /** Whether the registry has this content (HEAD on the manifest or blob endpoint). False on failure, logged. */
  async exists(descriptor: Descriptor, options: SignalOptions = {}): Promise<boolean> {
    return this.#guard("exists", false, () => this.#strict.exists(descriptor, options));
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
    return this.#guard("fetch", undefined, () => this.#strict.fetch(descriptor, handler, options));
  }

  /**
   * Pulls a tag or a descriptor, and everything under it, into the client's store. Yields progress by bytes, then
   * `progress 100` (success) or `failed` (an OciError). Pulled by tag, the root is named `host/repo:tag` in the store
   * once everything under it is committed; a pull cut short keeps its partial blobs, and a rerun resumes them.
   */
  pull(reference: string | Descriptor, options: PullOptions = {}): AsyncIterable<TransferEvent> {
    const request = { reference, platform: toMatcher(options.platform), onBlob: options.onBlob };
    return this.#transfer(`pull ${this.reference}`, pullWork(this.#remote, request), options.signal);
  }

  /**
   * Pushes one blob (`repo.push(data, expected)`), or a manifest or index from the store with everything under it
   * (`repo.push(root, { tag })`). Yields progress by bytes, then `progress 100` or `failed`. A blob push interrupted
   * (network, abort, restart) is resumed by the same call made again: the session is remembered, in the store when
   * it can keep it.
   */
  push(data: PushData, expected: Descriptor, options?: BlobPushOptions): AsyncIterable<TransferEvent>;
  push(root: Descriptor, options?: TreePushOptions): AsyncIterable<TransferEvent>;
  push(
    first: PushData | Descriptor,
    second?: Descriptor | TreePushOptions,
    third?: BlobPushOptions,
  ): AsyncIterable<TransferEvent> {
    if (isPushData(first)) {
      const expected = second as Descriptor;
      const options = third ?? {};
      const what = `push ${this.reference}@${expected?.digest}`;
      return this.#transfer(what, this.#blobPush(first, expected, options), options.signal);
    }
    const options = (second ?? {}) as TreePushOptions;
    const push = { root: first, tag: options.tag, mountFrom: options.mountFrom ?? [], onBlob: options.onBlob };
    return this.#transfer(`push ${this.reference}`, treePushWork(this.#remote, push), options.signal);
  }

  /**
   * Pushes files as an artifact (image-spec's guidance for artifacts, as oras does): one layer per file titled with
   * its name, the empty config unless `config` is given, `artifactType`, `org.opencontainers.image.created`; with
   * `subject`, a referrer of it. Files are hashed, then uploaded (a Blob is streamed both times, never held whole).
   * Yields progress by bytes, then `progress 100` with the manifest as `root`, or `failed`. Nothing is stored.
   */
  pushArtifact(files: readonly PushFile[], options: PushArtifactOptions): AsyncIterable<TransferEvent> {
    const work = artifactPushWork(this.#remote, files, options ?? {});
    return this.#transfer(`push artifact ${this.reference}`, work, options?.signal);
  }

  /**
   * Tags a manifest or index: a descriptor (its bytes come from the store, else the registry), the manifest's exact
   * bytes, or a Manifest/Index object (serialised once, as new content). Several tags use `?tag=` where the
   * registry supports it (spec main), one PUT per tag otherwise. Resolves the descriptor, or undefined (logged).
   */
  async tag(
    manifest: Descriptor | Uint8Array | Manifest | Index,
    reference: string | string[],
    options: TagOptions = {},
  ): Promise<Descriptor | undefined> {
    return this.#guard("tag", undefined, () => this.#strict.tag(manifest, reference, options));
  }

  /**
   * Deletes a manifest or blob by descriptor, or a tag by name where the registry allows it (distribution 2.8.2
   * does not: it answers 400). A deleted manifest with a subject leaves the referrers fallback index too. Resolves
   * true when deleted, false otherwise (logged).
   */
  async delete(target: Descriptor | string, options: SignalOptions = {}): Promise<boolean> {
    return this.#guard("delete", false, async () => {
      await this.#strict.delete(target, options);
      return true;
    });
  }

  /**
   * The manifests that refer to `subject` (signatures, SBOMs, attestations): the referrers API where the registry
   * has it, else the fallback tag. Resolves [] on failure (logged).
   */
  async referrers(subject: Descriptor, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    return this.#guard("referrers", [], () => this.#strict.referrers(subject, options));
  }

  /** `Repository(<host>/<name>)`, for logs and debugging. */
  toString(): string {
    return `Repository(${this.reference})`;
  }

  /** The work of a blob push: the source opened and closed around the upload. */
  #blobPush(data: PushData, expected: Descriptor, options: BlobPushOptions): Work {
    const remote = this.#remote;
    return (reporter) =>
      remote.run(reporter.signal, async (signal) => {
        checkDescriptor(expected);
        reporter.addTotal(expected.size);
        const source = await sourceOf(data, expected);
        const { monolithicMax, chunkSize } = remote.options;
        const tuning = { monolithicMax, chunkSize, mountFrom: options.mountFrom ?? [] };
        try {
          await uploadBlob(remote, { source, expected, tuning, report: blobReport(reporter) }, signal);
        } finally {
          await source.close();
        }
        return expected;
      });
  }

  #transfer(what: string, work: Work, signal: AbortSignal | undefined): AsyncIterable<TransferEvent> {
    return transfer(work, { signal, logger: this.#remote.logger, what });
  }

  /** A call under the error model: its OciError is logged and turned into `fallback`. */
  async #guard<T>(op: string, fallback: T, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const e = toOciError(error, "NETWORK");
      this.#remote.logger.error(`${op} ${this.reference} failed: ${e.message}`, { error: e });
      return fallback;
    }
  }
}

/** The core and the strict face of a Repository, for `client.copy` and `strict()`. Not exported by the package. */
export function repositoryHandles(repository: Repository): { remote: Remote; strict: StrictRepository } {
  if (!(repository instanceof Repository)) {
    throw new OciError("INVALID_ARGUMENT", `not a Repository of @toci/client: ${String(repository)}`);
  }
  return handles!(repository);
}

function isPushData(value: unknown): value is PushData {
  return (
    value instanceof Uint8Array ||
    value instanceof ReadableStream ||
    (typeof Blob !== "undefined" && value instanceof Blob)
  );
}
