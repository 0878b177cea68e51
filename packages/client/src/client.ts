// The entry point: a Client holds the transport, the store and the logger, and hands out Registry objects. The
// pull entry's client (pull-client.ts) is the whole of it but for what writes: this one hands out registries whose
// repositories push, tag and delete, and copies between repositories.
import type { Descriptor, TransferEvent } from "@toci/spec-types";
import { copyWork } from "./internal/copy.js";
import { type TransferReporter, transfer } from "./internal/transfer.js";
import { UploadSessions } from "./internal/upload-sessions.js";
import type { RegistryOptions } from "./options.js";
import { clientContext, PullClient } from "./pull-client.js";
import { Registry } from "./registry.js";
import { type Repository, repositoryHandles } from "./repository.js";
import { type BlobProgressCallback, type PlatformSelector, toMatcher } from "./repository-options.js";

/** Options of {@link Client.copy}. */
export interface CopyOptions {
  /** The destination tag. @default the source tag, when the source reference is a tag */
  tag?: string;
  /** With an index: copy only its first manifest for this platform (and tag that manifest). */
  platform?: PlatformSelector;
  /** Also copy the referrers (signatures, SBOMs, attestations) of every copied manifest. @default false */
  referrers?: boolean;
  /** Cancels the copy; it ends with a `failed` event (`ABORTED`). @default none */
  signal?: AbortSignal;
  /** Per-blob progress; see {@link BlobProgressCallback}. */
  onBlob?: BlobProgressCallback;
}

/**
 * The entry point: holds the transport (how HTTP goes), the store (where content lives) and the logger (where every
 * error goes), and hands out {@link Registry} objects. What a registry teaches (its auth challenge, tokens, what it
 * can do) is kept per (registry, credentials) for the client's life. Close it with `close()` or `await using`.
 *
 * ```ts
 * await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
 * const repo = client.registry("ghcr.io").repo("org/app");
 * ```
 */
export class Client extends PullClient {
  /** Upload sessions remembered between attempts, shared by this client's registries (after super() set the store). */
  readonly #uploads = new UploadSessions(this.store);

  /**
   * A registry by URL: `https://ghcr.io`, `ghcr.io`, `localhost:5000` (loopback defaults to plain HTTP, anything
   * else to HTTPS), `docker.io`. Throws `INVALID_ARGUMENT` for a URL that cannot be one.
   */
  override registry(url: string, options: RegistryOptions = {}): Registry {
    return new Registry({ ...clientContext(this, url, options), uploads: this.#uploads });
  }

  /**
   * A repository from a reference as people write it: `ghcr.io/org/app`, `localhost:5000/app`, `alpine` (Docker Hub:
   * `docker.io/library/alpine`, as `docker pull alpine` means), `http://host:5000/app` (a scheme forces it). The
   * registry is `client.registry(host, options)`, so loopback hosts default to plain HTTP as there.
   *
   * A tag or digest in the reference is refused (`REFERENCE_INVALID`) rather than dropped: a repository has none, and
   * `client.repo("app:v1").pull("latest")` would pull what the string did not say. Split such a string first:
   * `const ref = parseReference(text); client.repo(ref.name).pull(ref.reference)`.
   */
  override repo(reference: string, options: RegistryOptions = {}): Repository {
    // PullClient.repo goes through this.registry(), so the repository is a full one.
    return super.repo(reference, options) as Repository;
  }

  /**
   * Copies a tag or descriptor, and everything under it, from one repository to another, registry to registry:
   * blobs stream through without landing in the store, are mounted when both are on the same registry, and are
   * skipped when the destination has them. The destination tag is `options.tag`, else the source tag.
   */
  copy(
    source: Repository,
    reference: string | Descriptor,
    destination: Repository,
    options: CopyOptions = {},
  ): AsyncIterable<TransferEvent> {
    // The handles are taken when the copy starts: a foreign object fails the copy (INVALID_ARGUMENT), not the call.
    const work = (reporter: TransferReporter) =>
      copyWork(repositoryHandles(source).remote, repositoryHandles(destination).remote, {
        reference,
        tag: options.tag,
        platform: toMatcher(options.platform),
        referrers: options.referrers === true,
        onBlob: options.onBlob,
      })(reporter);
    const what = `copy ${source.reference} → ${destination.reference}`;
    return transfer(work, { signal: options.signal, logger: this.logger, what });
  }
}
