/// <reference lib="esnext.disposable" preserve="true" />
// The entry point as the pull entry (@toci/client/pull) has it: a Client holds the transport, the store and the
// logger, and hands out Registry objects. What a registry teaches (its auth challenge, tokens) is kept per (origin,
// credentials) for the client's life, so two `client.registry(url)` calls share it. The full Client of @toci/client
// extends it (registries whose repositories push, and copy). The lib reference above ships in pull-client.d.ts:
// `[Symbol.asyncDispose]` then type-checks in a project whose "lib" lacks esnext.disposable (a browser project
// without @types/node).
import {
  DOCKER_HUB,
  DOCKER_HUB_API_HOST,
  isAbilityKeeper,
  isClosableStore,
  isClosableTransport,
  OciError,
  parseReference,
  type Store,
  type Transport,
} from "@toci/spec-types";
import { Abilities } from "./internal/abilities.js";
import type { RegistryContext } from "./internal/context.js";
import { HttpPool } from "./internal/http-pool.js";
import { Lifecycle } from "./internal/lifecycle.js";
import { mirrorHttps } from "./internal/mirrors.js";
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
import { PullRegistry } from "./pull-registry.js";
import type { PullRepository } from "./pull-repository.js";

let contextOf: ((client: PullClient, url: string, options: RegistryOptions) => RegistryContext) | undefined;

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
export class PullClient {
  /** Where pulled content goes and pushed content comes from. */
  readonly store: Store;
  /** How HTTP requests are sent. */
  readonly transport: Transport;
  /** Where errors and diagnostics go. */
  readonly logger: Logger;
  readonly #options: ResolvedTransferOptions;
  /** What `close()` ends: the operations running. */
  readonly #lifecycle = new Lifecycle();
  readonly #http: HttpPool;
  readonly #abilitiesMaxAge: number;
  #closed: Promise<void> | undefined;

  static {
    contextOf = (client, url, options) => client.#context(url, options);
  }

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
    this.#http = new HttpPool({
      transport: this.transport,
      logger: this.logger,
      abilities: (base) => this.#abilities(base),
    });
  }

  /**
   * A registry by URL: `https://ghcr.io`, `ghcr.io`, `localhost:5000` (loopback defaults to plain HTTP, anything
   * else to HTTPS), `docker.io`. Throws `INVALID_ARGUMENT` for a URL that cannot be one.
   */
  registry(url: string, options: RegistryOptions = {}): PullRegistry {
    return new PullRegistry(this.#context(url, options));
  }

  /** What the objects of the registry at `url` share: its HTTP, mirrors, settings, and the client's parts. */
  #context(url: string, options: RegistryOptions): RegistryContext {
    const base = registryBase(url, { plainHttp: options.plainHttp });
    const auth = options.auth ?? { type: "anonymous" };
    const transferOptions = resolveTransferOptions(options, this.#options);
    const name = base.host === DOCKER_HUB_API_HOST ? DOCKER_HUB : base.host;
    const lowSpeed = { limit: transferOptions.lowSpeedLimit, time: transferOptions.lowSpeedTime };
    const http = this.#http.get({
      base,
      auth,
      host: name,
      allowInsecureCredentials: options.allowInsecureCredentials === true,
      headers: transferOptions.headers,
      lowSpeed,
    });
    return {
      http,
      store: this.store,
      logger: this.logger,
      options: transferOptions,
      name,
      mirrors: mirrorHttps(this.#http, { base, auth, mirrors: options.mirrors, lowSpeed }),
      lifecycle: this.#lifecycle,
    };
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
  repo(reference: string, options: RegistryOptions = {}): PullRepository {
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
      await this.#http.settled();
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

/**
 * What the objects of a registry share, for the full Client's registries: a Registry made from it is one of this
 * client's (its credentials, lifetime and store). Not exported by the package.
 */
export function clientContext(client: PullClient, url: string, options: RegistryOptions): RegistryContext {
  return contextOf!(client, url, options);
}
