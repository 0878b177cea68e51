// The entry point: a Client holds the transport, the store and the logger, and hands out Registry objects. What a
// registry teaches (its auth challenge, tokens) is kept per (origin, credentials) for the client's life, so two
// `client.registry(url)` calls share it.
import {
  DOCKER_HUB,
  DOCKER_HUB_API_HOST,
  isClosableStore,
  isClosableTransport,
  OciError,
  type Store,
  type Transport,
} from "@toci/spec-types";
import { Authenticator } from "./internal/auth/authenticator.js";
import type { RegistryContext } from "./internal/context.js";
import { RegistryHttp } from "./internal/http.js";
import { registryBase } from "./internal/url.js";
import type { Logger } from "./logger.js";
import {
  type ClientOptions,
  type RegistryOptions,
  type ResolvedTransferOptions,
  resolveLogger,
  resolveTransferOptions,
} from "./options.js";
import { Registry } from "./registry.js";

export class Client {
  /** Where pulled content goes and pushed content comes from. */
  readonly store: Store;
  /** How HTTP requests are sent. */
  readonly transport: Transport;
  /** Where errors and diagnostics go. */
  readonly logger: Logger;
  readonly #options: ResolvedTransferOptions;
  readonly #closing = new AbortController();
  readonly #http = new Map<string, RegistryHttp>();
  #closed: Promise<void> | undefined;

  constructor(options: ClientOptions) {
    if (!options?.transport || typeof options.transport.request !== "function") {
      throw new OciError("INVALID_ARGUMENT", "new Client() needs a transport (e.g. fetchTransport())");
    }
    if (!options.store) throw new OciError("INVALID_ARGUMENT", "new Client() needs a store (e.g. memoryStore())");
    this.transport = options.transport;
    this.store = options.store;
    this.logger = resolveLogger(options.logger);
    this.#options = resolveTransferOptions(options);
  }

  /**
   * A registry by URL: `https://ghcr.io`, `ghcr.io`, `localhost:5000` (loopback defaults to plain HTTP, anything
   * else to HTTPS), `docker.io`. Throws `INVALID_ARGUMENT` for a URL that cannot be one.
   */
  registry(url: string, options: RegistryOptions = {}): Registry {
    const base = registryBase(url, { plainHttp: options.plainHttp });
    const auth = options.auth ?? { type: "anonymous" };
    const transferOptions = resolveTransferOptions(options, this.#options);
    const key = `${base.href}\n${JSON.stringify(auth)}\n${options.allowInsecureCredentials === true}\n${JSON.stringify(transferOptions.headers)}`;
    let http = this.#http.get(key);
    if (!http) {
      const authenticator = new Authenticator({
        auth,
        transport: this.transport,
        origin: base.origin,
        allowInsecureCredentials: options.allowInsecureCredentials === true,
        logger: this.logger,
      });
      http = new RegistryHttp({
        base,
        transport: this.transport,
        authenticator,
        logger: this.logger,
        headers: transferOptions.headers,
      });
      this.#http.set(key, http);
    }
    const context: RegistryContext = {
      http,
      store: this.store,
      logger: this.logger,
      options: transferOptions,
      name: base.host === DOCKER_HUB_API_HOST ? DOCKER_HUB : base.host,
      closed: this.#closing.signal,
    };
    return new Registry(context);
  }

  /**
   * Cancels running transfers (they end with `ABORTED`, partials kept for resuming), then closes the transport and
   * the store when they can be closed. Later calls return their failure values with `CLOSED`. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(new OciError("CLOSED", "the client is closed"));
      const errors: unknown[] = [];
      if (isClosableTransport(this.transport)) await this.transport.close().catch((e: unknown) => errors.push(e));
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
