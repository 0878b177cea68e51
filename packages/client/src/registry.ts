// A registry: ping, the catalog, and its repositories, obtained from `client.registry(url, options)`. Failures never
// throw out of ping and catalog: false, or the end of the pages, with the error logged; `strict(registry)` from
// `@toci/client/strict` gives the same calls throwing instead.
import { isRepositoryName, normalizeRepository, OciError, toOciError } from "@toci/spec-types";
import type { RegistryContext } from "./internal/context.js";
import { Repository } from "./repository.js";
import type { SignalOptions } from "./repository-options.js";
import { type CatalogOptions, StrictRegistry } from "./strict-registry.js";

export type { CatalogOptions } from "./strict-registry.js";

let strictOf: ((registry: Registry) => StrictRegistry) | undefined;

/**
 * A registry, by URL: its repositories (`repo(name)`), whether it answers (`ping`), and its catalog. Obtained from
 * `client.registry(url, options)`, which binds the credentials and settings every repository of it uses.
 */
export class Registry {
  /** The base URL of the registry's API (`https://ghcr.io/`). */
  readonly url: string;
  /** The registry's name in references: `host[:port]` (`docker.io` for Docker Hub). */
  readonly name: string;
  readonly #context: RegistryContext;
  readonly #strict: StrictRegistry;

  static {
    strictOf = (registry) => registry.#strict;
  }

  /** @internal Use `client.registry(url)`. */
  constructor(context: RegistryContext) {
    this.#context = context;
    this.url = context.http.base.href;
    this.name = context.name;
    this.#strict = new StrictRegistry(this, context);
  }

  /**
   * The repository `name` on this registry. On Docker Hub, a name of one component is an official image:
   * `repo("alpine")` is `library/alpine`, as in `docker pull alpine`. Throws `NAME_INVALID` for a name the spec does
   * not allow.
   */
  repo(name: string): Repository {
    if (!isRepositoryName(name)) throw new OciError("NAME_INVALID", `invalid repository name ${JSON.stringify(name)}`);
    return new Repository(this, normalizeRepository(this.name, name), this.#context);
  }

  /**
   * Whether the registry implements the distribution API (`GET /v2/` answers 200, after authenticating if it asks).
   * False on any failure, logged.
   */
  async ping(options: SignalOptions = {}): Promise<boolean> {
    try {
      await this.#strict.ping(options);
      return true;
    } catch (error) {
      this.#failed("ping", error);
      return false;
    }
  }

  /**
   * The repositories, one page at a time, following `Link` (or `last` without one). Needs `registry:catalog:*`,
   * which many registries grant to administrators only. A failed page ends the iteration (logged).
   */
  catalog(options: CatalogOptions = {}): AsyncIterable<Repository[]> {
    const registry = this;
    return {
      async *[Symbol.asyncIterator]() {
        try {
          yield* registry.#strict.catalog(options);
        } catch (error) {
          registry.#failed("catalog", error);
        }
      },
    };
  }

  /** `Registry(<url>)`, for logs and debugging. */
  toString(): string {
    return `Registry(${this.url})`;
  }

  #failed(op: string, error: unknown): void {
    const e = toOciError(error, "NETWORK");
    this.#context.logger.error(`${op} ${this.name} failed: ${e.message}`, { error: e });
  }
}

/** The strict face of a Registry, for `strict()`. Not exported by the package. */
export function strictRegistryOf(registry: Registry): StrictRegistry {
  if (!(registry instanceof Registry)) {
    throw new OciError("INVALID_ARGUMENT", `not a Registry of @toci/client: ${String(registry)}`);
  }
  return strictOf!(registry);
}
