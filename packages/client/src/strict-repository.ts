// The throwing face of a repository, for tools that report failures themselves: the same calls as Repository's
// that answer a request, over the same core, where a failure rejects with its OciError instead of resolving
// undefined, false or []. `strict(repo)` from `@toci/client/strict` hands it out.
import type { Descriptor, Index, Manifest } from "@toci/spec-types";
import { checkDescriptor } from "./internal/checks.js";
import { listTags } from "./internal/lists.js";
import { deleteContent, tagManifest } from "./internal/manifest-write.js";
import { listReferrers } from "./internal/referrers.js";
import type { Remote } from "./internal/remote.js";
import { fetchVerified } from "./internal/verified-fetch.js";
import {
  type FetchOptions,
  type ReferrersOptions,
  type ResolveOptions,
  type SignalOptions,
  type TagOptions,
  toMatcher,
} from "./repository-options.js";

/**
 * A repository whose calls throw. Every method behaves as {@link Repository}'s of the same name, except that a
 * network, protocol or store failure rejects with an `OciError` (its `code`, HTTP `status` and the registry's error
 * entries) instead of coming back as `undefined`, `false` or `[]`, and is not sent to the logger: the caller holds
 * it. Transfers (`pull`, `push`, `copy`) are Repository's and Client's: their `failed` event already carries the
 * OciError.
 *
 * ```ts
 * // strict comes from the subpath @toci/client/strict
 * const digest = (await strict(repo).resolve("latest")).digest; // throws MANIFEST_UNKNOWN, UNAUTHORIZED, …
 * ```
 */
export class StrictRepository {
  /** The repository's name (`library/ubuntu`). */
  readonly name: string;
  readonly #remote: Remote;

  /** @internal Use `strict(repo)` from `@toci/client/strict`. */
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

  /**
   * Tags a manifest or index (a descriptor, its exact bytes, or a Manifest/Index object serialised once) with one
   * tag or several; resolves its descriptor.
   */
  tag(
    manifest: Descriptor | Uint8Array | Manifest | Index,
    reference: string | string[],
    options: TagOptions = {},
  ): Promise<Descriptor> {
    const tags = Array.isArray(reference) ? reference : [reference];
    return this.#remote.run(options.signal, (signal) => tagManifest(this.#remote, manifest, tags, signal));
  }

  /** Deletes a manifest or blob by descriptor, or a tag by name (UNSUPPORTED where the registry refuses that). */
  delete(target: Descriptor | string, options: SignalOptions = {}): Promise<void> {
    return this.#remote.run(options.signal, (signal) => deleteContent(this.#remote, target, signal));
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
