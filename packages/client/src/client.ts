// The entry point: a Client holds the transport, the store and the logger, and hands out Registry objects. What a
// registry teaches (its auth challenge, tokens) is kept per (origin, credentials) for the client's life, so two
// `client.registry(url)` calls share it.
import {
  type Descriptor,
  DOCKER_HUB,
  DOCKER_HUB_API_HOST,
  isAbilityKeeper,
  isClosableStore,
  isClosableTransport,
  OciError,
  parseReference,
  type Store,
  type TransferEvent,
  type Transport,
} from "@toci/spec-types";
import { Abilities } from "./internal/abilities.js";
import { Authenticator } from "./internal/auth/authenticator.js";
import type { RegistryContext } from "./internal/context.js";
import { copyWork } from "./internal/copy.js";
import { RegistryHttp } from "./internal/http.js";
import { Lifecycle } from "./internal/lifecycle.js";
import { lowSpeedTransport } from "./internal/low-speed.js";
import { type TransferReporter, transfer } from "./internal/transfer.js";
import { UploadSessions } from "./internal/upload-sessions.js";
import { registryBase } from "./internal/url.js";
import type { Logger } from "./logger.js";
import {
  type ClientOptions,
  type RegistryOptions,
  type ResolvedTransferOptions,
  resolveAbilitiesMaxAge,
  resolveLogger,
  resolveTransferOptions,
} from "./options.js";
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
export class Client {
  /** Where pulled content goes and pushed content comes from. */
  readonly store: Store;
  /** How HTTP requests are sent. */
  readonly transport: Transport;
  /** Where errors and diagnostics go. */
  readonly logger: Logger;
  readonly #options: ResolvedTransferOptions;
  /** What `close()` ends: the operations running. */
  readonly #lifecycle = new Lifecycle();
  readonly #http = new Map<string, RegistryHttp>();
  readonly #uploads: UploadSessions;
  readonly #abilitiesMaxAge: number;
  #closed: Promise<void> | undefined;

  /** Throws `INVALID_ARGUMENT` without a transport or a store, or for an option that cannot work. */
  constructor(options: ClientOptions) {
    if (!options?.transport || typeof options.transport.request !== "function") {
      throw new OciError("INVALID_ARGUMENT", "new Client() needs a transport (e.g. fetchTransport())");
    }
    if (!options.store) throw new OciError("INVALID_ARGUMENT", "new Client() needs a store (e.g. memoryStore())");
    this.transport = options.transport;
    this.store = options.store;
    this.logger = resolveLogger(options.logger);
    this.#options = resolveTransferOptions(options);
    this.#abilitiesMaxAge = resolveAbilitiesMaxAge(options.abilitiesMaxAge);
    this.#uploads = new UploadSessions(this.store);
  }

  /**
   * A registry by URL: `https://ghcr.io`, `ghcr.io`, `localhost:5000` (loopback defaults to plain HTTP, anything
   * else to HTTPS), `docker.io`. Throws `INVALID_ARGUMENT` for a URL that cannot be one.
   */
  registry(url: string, options: RegistryOptions = {}): Registry {
    const base = registryBase(url, { plainHttp: options.plainHttp });
    const auth = options.auth ?? { type: "anonymous" };
    const transferOptions = resolveTransferOptions(options, this.#options);
    const { headers, lowSpeedLimit: limit, lowSpeedTime: time } = transferOptions;
    const key = JSON.stringify([base.href, auth, options.allowInsecureCredentials === true, headers, limit, time]);
    let http = this.#http.get(key);
    if (!http) {
      const transport = lowSpeedTransport(this.transport, { limit, time });
      const authenticator = new Authenticator({
        auth,
        transport,
        origin: base.origin,
        allowInsecureCredentials: options.allowInsecureCredentials === true,
        logger: this.logger,
      });
      http = new RegistryHttp({
        base,
        transport,
        authenticator,
        logger: this.logger,
        headers,
        abilities: this.#abilities(base.href),
      });
      this.#http.set(key, http);
    }
    const context: RegistryContext = {
      http,
      store: this.store,
      logger: this.logger,
      options: transferOptions,
      name: base.host === DOCKER_HUB_API_HOST ? DOCKER_HUB : base.host,
      lifecycle: this.#lifecycle,
      uploads: this.#uploads,
    };
    return new Registry(context);
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
  repo(reference: string, options: RegistryOptions = {}): Repository {
    const scheme = typeof reference === "string" ? /^(https?):\/\//i.exec(reference) : null;
    const text = scheme ? reference.slice(scheme[0].length) : reference;
    const ref = parseReference(text, { defaultTag: false });
    if (ref.tag !== undefined || ref.digest !== undefined) {
      throw new OciError(
        "REFERENCE_INVALID",
        `client.repo() takes a repository without a tag or digest, got ${JSON.stringify(reference)}: use ` +
          `client.repo(${JSON.stringify(ref.name)}) and pass ${JSON.stringify(ref.reference)} to pull or resolve`,
      );
    }
    const host = scheme ? `${scheme[1]!.toLowerCase()}://${ref.registry}` : ref.registry;
    return this.registry(host, options).repo(ref.repository);
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

  /** What is learnt about the registry at `registry`, kept in the store when it can keep it. */
  #abilities(registry: string): Abilities {
    const { store, logger } = this;
    const maxAge = this.#abilitiesMaxAge;
    return new Abilities(
      isAbilityKeeper(store) && maxAge > 0 ? { keeper: store, registry, maxAge, logger } : undefined,
    );
  }

  /**
   * Cancels running transfers (they end with `ABORTED`, partials kept for resuming), then closes the transport and
   * the store when they can be closed. Later calls return their failure values with `CLOSED`. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#lifecycle.close();
      const errors: unknown[] = [];
      if (isClosableTransport(this.transport)) await this.transport.close().catch((e: unknown) => errors.push(e));
      // What was learnt is written before the store closes (each write already reports its own failure).
      await Promise.all([...this.#http.values()].map((http) => http.abilities.settled()));
      if (isClosableStore(this.store)) await this.store.close().catch((e: unknown) => errors.push(e));
      for (const error of errors) this.logger.error("closing the client failed", { error });
    })();
    return this.#closed;
  }

  /** `await using client = new Client(…)` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
