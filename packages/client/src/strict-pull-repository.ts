// The reading calls of a repository, throwing their OciError: what a pull-only app uses (tags, resolve, exists,
// fetch, referrers). The pull entry's Repository guards these calls; StrictRepository (strict-repository.ts) extends
// them with tag and delete.
import type { Descriptor } from "@toci/spec-types";
import { checkDescriptor } from "./internal/checks.js";
import { listTags } from "./internal/lists.js";
import { listReferrers } from "./internal/referrers.js";
import type { Remote } from "./internal/remote.js";
import { fetchVerified } from "./internal/verified-fetch.js";
import {
  type FetchOptions,
  type ReferrersOptions,
  type ResolveOptions,
  type SignalOptions,
  toMatcher,
} from "./repository-options.js";

/**
 * The reading calls of a repository, throwing: the read side of `StrictRepository`, over the same core. The
 * pull entry's Repository guards these; StrictRepository adds the writing calls.
 */
export class StrictPullRepository {
  /** The repository's name (`library/ubuntu`). */
  readonly name: string;
  readonly #remote: Remote;

  /** @internal Made by a Repository; `strict(repo)` from `@toci/client/strict` hands out the full one. */
  constructor(remote: Remote) {
    this.#remote = remote;
    this.name = remote.name;
  }

  /** `host/name`, the repository's full name in references. */
  get reference(): string {
    return this.#remote.reference;
  }

  /** Every tag, following `Link` pages (or `last` when the registry sends no Link). `tags: null` counts as none. */
  tags(options: SignalOptions = {}): Promise<string[]> {
    return this.#remote.run(options.signal, (signal) => listTags(this.#remote, signal));
  }

  /**
   * The descriptor a tag (or digest) points at: HEAD, falling back to GET when the registry gives no digest. With
   * `platform`, an index resolves to its first matching manifest (NOT_FOUND when none matches).
   */
  resolve(reference: string, options: ResolveOptions = {}): Promise<Descriptor> {
    const platform = toMatcher(options.platform);
    return this.#remote.run(options.signal, (signal) => this.#remote.resolve(reference, platform, signal));
  }

  /** The descriptor of a blob by digest (HEAD): size from Content-Length; BLOB_UNKNOWN when absent. */
  resolveBlob(digest: string, options: SignalOptions = {}): Promise<Descriptor> {
    return this.#remote.run(options.signal, (signal) => this.#remote.headBlob(digest, signal));
  }

  /** Whether the registry has this content (HEAD on the manifest or blob endpoint): false on a 404. */
  exists(descriptor: Descriptor, options: SignalOptions = {}): Promise<boolean> {
    return this.#remote.run(options.signal, (signal) => {
      checkDescriptor(descriptor);
      return this.#remote.exists(descriptor, signal);
    });
  }

  /**
   * Streams content to `handler`, verified as it flows; resolves what the handler returns. A size or digest
   * mismatch errors the stream and rejects the call, whatever the handler returned.
   */
  fetch<T>(
    descriptor: Descriptor,
    handler: (stream: ReadableStream<Uint8Array>) => Promise<T> | T,
    options: FetchOptions = {},
  ): Promise<T> {
    return this.#remote.run(options.signal, (signal) => fetchVerified(this.#remote, descriptor, handler, signal));
  }

  /** The manifests that refer to `subject`: the referrers API where the registry has it, else the fallback tag. */
  referrers(subject: Descriptor, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    return this.#remote.run(options.signal, (signal) => {
      checkDescriptor(subject);
      return listReferrers(this.#remote, subject, options.artifactType, signal);
    });
  }

  /** `StrictRepository(<host>/<name>)`, for logs and debugging. */
  toString(): string {
    return `StrictRepository(${this.reference})`;
  }
}
