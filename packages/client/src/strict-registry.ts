// The throwing face of a registry: ping and the catalog, where a failure rejects (or ends the iteration) with its
// OciError. `strict(registry)` from `@toci/client/strict` hands it out.
import type { RegistryContext } from "./internal/context.js";
import { catalogRepositories, pingRegistry } from "./internal/registry-calls.js";
import type { CatalogOptions } from "./pull-registry.js";
import type { Registry } from "./registry.js";
import type { Repository } from "./repository.js";
import type { SignalOptions } from "./repository-options.js";

/**
 * A registry whose calls throw: {@link Registry}'s `ping` and `catalog`, where a network, protocol or store failure
 * rejects with its `OciError` (or ends the catalog's iteration with it) instead of coming back as `false` or the
 * end of the pages, and is not sent to the logger.
 */
export class StrictRegistry {
  /** The registry these calls go to. */
  readonly registry: Registry;
  readonly #context: RegistryContext;

  /** @internal Use `strict(registry)` from `@toci/client/strict`. */
  constructor(registry: Registry, context: RegistryContext) {
    this.registry = registry;
    this.#context = context;
  }

  /** Checks that the registry implements the distribution API (`GET /v2/` answers 200, after authenticating). */
  ping(options: SignalOptions = {}): Promise<void> {
    return pingRegistry(this.#context, options.signal);
  }

  /**
   * The repositories, one page at a time, following `Link` (or `last` without one). Needs `registry:catalog:*`,
   * which many registries grant to administrators only. A failure ends the iteration by throwing its OciError.
   */
  catalog(options: CatalogOptions = {}): AsyncIterable<Repository[]> {
    const context = this.#context;
    const { registry } = this;
    return {
      [Symbol.asyncIterator]: () =>
        catalogRepositories(context, { n: options.n, signal: options.signal, repo: (name) => registry.repo(name) }),
    };
  }

  /** `StrictRegistry(<url>)`, for logs and debugging. */
  toString(): string {
    return `StrictRegistry(${this.registry.url})`;
  }
}
