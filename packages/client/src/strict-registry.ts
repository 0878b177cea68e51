// The throwing face of a registry: ping and the catalog, where a failure rejects (or ends the iteration) with its
// OciError. `strict(registry)` from `@toci/client/strict` hands it out.
import { OciError } from "@toci/spec-types";
import type { RegistryContext } from "./internal/context.js";
import { discard } from "./internal/http.js";
import { catalogPages } from "./internal/lists.js";
import type { Registry } from "./registry.js";
import type { Repository } from "./repository.js";
import type { SignalOptions } from "./repository-options.js";

/** Options of {@link Registry.catalog}. */
export interface CatalogOptions {
  /**
   * Repositories per page. distribution caps it at 1000 (catalog.maxentries) and answers 400 above it.
   * @default 100
   */
  n?: number;
  /** Cancels the listing: the iteration ends (`ABORTED`). @default none */
  signal?: AbortSignal;
}

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
    const { http, lifecycle } = this.#context;
    return lifecycle.run(options.signal, async (signal) => {
      const response = await http.send({ method: "GET", path: "", scopes: [], signal });
      if (response.status !== 200) throw await http.error(response, "GET", http.url(""), "NOT_FOUND");
      await discard(response);
      if (!response.headers.has("www-authenticate")) http.learnAnonymous();
    });
  }

  /**
   * The repositories, one page at a time, following `Link` (or `last` without one). Needs `registry:catalog:*`,
   * which many registries grant to administrators only. A failure ends the iteration by throwing its OciError.
   */
  catalog(options: CatalogOptions = {}): AsyncIterable<Repository[]> {
    const context = this.#context;
    const { registry } = this;
    return {
      async *[Symbol.asyncIterator]() {
        const n = options.n ?? 100;
        const operation = context.lifecycle.open(options.signal);
        try {
          context.lifecycle.assertOpen();
          if (!Number.isSafeInteger(n) || n < 1) throw new OciError("INVALID_ARGUMENT", "n must be a positive integer");
          for await (const names of catalogPages(context, n, operation.signal)) {
            yield names.map((name) => registry.repo(name));
          }
        } finally {
          operation.end();
        }
      },
    };
  }

  /** `StrictRegistry(<url>)`, for logs and debugging. */
  toString(): string {
    return `StrictRegistry(${this.registry.url})`;
  }
}
