// The throwing face of a repository, for tools that report failures themselves: the same calls as Repository's
// that answer a request, over the same core, where a failure rejects with its OciError instead of resolving
// undefined, false or []. `strict(repo)` from `@toci/client/strict` hands it out. The reading calls are
// StrictPullRepository's; tag and delete are here.
import type { Descriptor, Index, Manifest } from "@toci/spec-types";
import { deleteContent, tagManifest } from "./internal/manifest-write.js";
import type { Remote } from "./internal/remote.js";
import type { SignalOptions, TagOptions } from "./repository-options.js";
import { StrictPullRepository } from "./strict-pull-repository.js";

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
export class StrictRepository extends StrictPullRepository {
  readonly #remote: Remote;

  /** @internal Use `strict(repo)` from `@toci/client/strict`. */
  constructor(remote: Remote) {
    super(remote);
    this.#remote = remote;
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
}
