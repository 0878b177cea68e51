/// <reference lib="esnext.disposable" preserve="true" />
// The entry point: a Client holds the transport, the store and the logger, and hands out Registry objects. What a
// registry teaches (its auth challenge, tokens) is kept per (origin, credentials) for the client's life, so two
// `client.registry(url)` calls share it. The lib reference above ships in client.d.ts: `[Symbol.asyncDispose]` then
// type-checks in a project whose "lib" lacks esnext.disposable (a browser project without @types/node).
import {
  type Descriptor,
  DOCKER_HUB,
  DOCKER_HUB_API_HOST,
  isClosableStore,
  isClosableTransport,
  isManifestOrIndexMediaType,
  isTag,
  OciError,
  type Store,
  type TransferEvent,
  type Transport,
} from "@toci/spec-types";
import { Authenticator } from "./internal/auth/authenticator.js";
import { assertOpen, openOperation, type RegistryContext } from "./internal/context.js";
import { contextOf } from "./internal/contexts.js";
import { runCopy } from "./internal/copy.js";
import { RegistryHttp } from "./internal/http.js";
import { UploadSessions } from "./internal/push/upload-state.js";
import { transfer } from "./internal/transfer.js";
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
import type { BlobProgressCallback, PlatformSelector, Repository } from "./repository.js";

/** Options of {@link Client.copy}. */
export interface CopyOptions {
  /** The destination tag. @default the source tag, when the source reference is a tag */
  tag?: string;
  /** With an index: copy only its first manifest for this platform (and tag that manifest). */
  platform?: PlatformSelector;
  /** Also copy the referrers (signatures, SBOMs, attestations) of every copied manifest. @default false */
  referrers?: boolean;
  signal?: AbortSignal;
  /** Per-blob progress; see {@link BlobProgressCallback}. */
  onBlob?: BlobProgressCallback;
}

export class Client {
  /** Where pulled content goes and pushed content comes from. */
  readonly store: Store;
  /** How HTTP requests are sent. */
  readonly transport: Transport;
  /** Where errors and diagnostics go. */
  readonly logger: Logger;
  readonly #options: ResolvedTransferOptions;
  readonly #closing = new AbortController();
  /** What `close()` aborts: the operations running (see openOperation). */
  readonly #operations = new Set<AbortController>();
  readonly #http = new Map<string, RegistryHttp>();
  readonly #uploads: UploadSessions;
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
      operations: this.#operations,
      uploads: this.#uploads,
    };
    return new Registry(context);
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
    const src = contextOf(source);
    const dst = contextOf(destination);
    return transfer(
      async (reporter) => {
        assertOpen(dst);
        const operation = openOperation(dst, reporter.signal);
        const signal = operation.signal;
        try {
          let root: Descriptor;
          if (typeof reference === "string") {
            root = await source._resolve(reference, options.platform, signal);
          } else {
            root =
              options.platform !== undefined && isManifestOrIndexMediaType(reference.mediaType)
                ? await source._narrow(reference, options.platform, signal)
                : reference;
          }
          // The platform narrowed the root above, so the walk takes everything under it.
          const tag = options.tag ?? (typeof reference === "string" && isTag(reference) ? reference : undefined);
          if (tag !== undefined && !isTag(tag))
            throw new OciError("INVALID_ARGUMENT", `invalid tag ${JSON.stringify(tag)}`);
          await runCopy(
            { context: src, repository: source.name, cache: source._cache },
            { context: dst, repository: destination.name, cache: destination._cache },
            { root, platform: undefined, tag, referrers: options.referrers === true, onBlob: options.onBlob },
            { ...reporter, signal },
          );
        } finally {
          operation.end();
        }
      },
      { signal: options.signal, logger: this.logger, what: `copy ${source.reference} → ${destination.reference}` },
    );
  }

  /**
   * Cancels running transfers (they end with `ABORTED`, partials kept for resuming), then closes the transport and
   * the store when they can be closed. Later calls return their failure values with `CLOSED`. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      const reason = new OciError("CLOSED", "the client is closed");
      this.#closing.abort(reason);
      for (const operation of this.#operations) operation.abort(reason);
      this.#operations.clear();
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
