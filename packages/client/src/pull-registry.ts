// A registry as the pull entry (@toci/client/pull) has it: ping, the catalog, and its repositories for reading.
// Failures never throw out of ping and catalog: false, or the end of the pages, with the error logged. The full
// Registry of @toci/client extends it, handing out repositories that push too.
import { isRepositoryName, normalizeRepository, OciError, toOciError } from "@toci/spec-types";
import type { RegistryContext } from "./internal/context.js";
import { catalogRepositories, pingRegistry } from "./internal/registry-calls.js";
import { PullRepository } from "./pull-repository.js";
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

let contextOf: ((registry: PullRegistry) => RegistryContext) | undefined;

/**
 * A registry, by URL: its repositories (`repo(name)`), whether it answers (`ping`), and its catalog. Obtained from
 * `client.registry(url, options)`, which binds the credentials and settings every repository of it uses.
 */
export class PullRegistry {
  /** The base URL of the registry's API (`https://ghcr.io/`). */
  readonly url: string;
  /** The registry's name in references: `host[:port]` (`docker.io` for Docker Hub). */
  readonly name: string;
  readonly #context: RegistryContext;

  static {
    contextOf = (registry) => registry.#context;
  }

  /** @internal Use `client.registry(url)`. */
  constructor(context: RegistryContext) {
    this.#context = context;
    this.url = context.http.base.href;
    this.name = context.name;
  }

  /**
   * The repository `name` on this registry. On Docker Hub, a name of one component is an official image:
   * `repo("alpine")` is `library/alpine`, as in `docker pull alpine`, on its mirrors too. Throws `NAME_INVALID` for a
   * name the spec does not allow.
   */
  repo(name: string): PullRepository {
    return new PullRepository(this, repositoryName(this, name), this.#context);
  }

  /**
   * Whether the registry implements the distribution API (`GET /v2/` answers 200, after authenticating if it asks).
   * False on any failure, logged.
   */
  async ping(options: SignalOptions = {}): Promise<boolean> {
    try {
      await pingRegistry(this.#context, options.signal);
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
  catalog(options: CatalogOptions = {}): AsyncIterable<PullRepository[]> {
    const registry = this;
    const request = { n: options.n, signal: options.signal, repo: (name: string) => registry.repo(name) };
    return {
      async *[Symbol.asyncIterator]() {
        try {
          yield* catalogRepositories(registry.#context, request);
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

/** A repository name checked and normalised for `registry` (`alpine` on Docker Hub is `library/alpine`). */
export function repositoryName(registry: PullRegistry, name: string): string {
  if (!isRepositoryName(name)) throw new OciError("NAME_INVALID", `invalid repository name ${JSON.stringify(name)}`);
  return normalizeRepository(registry.name, name);
}

/** What a registry's objects share, for the full Registry's repositories. Not exported by the package. */
export function registryContext(registry: PullRegistry): RegistryContext {
  return contextOf!(registry);
}
