// A registry: ping, the catalog, and its repositories, obtained from `client.registry(url, options)`. The read side
// is the pull entry's registry (pull-registry.ts); this one hands out repositories that push, tag and delete too.
// Failures never throw out of ping and catalog: false, or the end of the pages, with the error logged;
// `strict(registry)` from `@toci/client/strict` gives the same calls throwing instead.
import { OciError } from "@toci/spec-types";
import type { RegistryContext } from "./internal/context.js";
import { type CatalogOptions, PullRegistry, registryContext, repositoryName } from "./pull-registry.js";
import { Repository } from "./repository.js";
import { StrictRegistry } from "./strict-registry.js";

export type { CatalogOptions } from "./pull-registry.js";

let strictOf: ((registry: Registry) => StrictRegistry) | undefined;

/**
 * A registry, by URL: its repositories (`repo(name)`), whether it answers (`ping`), and its catalog. Obtained from
 * `client.registry(url, options)`, which binds the credentials and settings every repository of it uses.
 */
export class Registry extends PullRegistry {
  readonly #strict: StrictRegistry;

  static {
    strictOf = (registry) => registry.#strict;
  }

  /** @internal Use `client.registry(url)`. */
  constructor(context: RegistryContext) {
    super(context);
    this.#strict = new StrictRegistry(this, context);
  }

  /**
   * The repository `name` on this registry. On Docker Hub, a name of one component is an official image:
   * `repo("alpine")` is `library/alpine`, as in `docker pull alpine`, on its mirrors too. Throws `NAME_INVALID` for a
   * name the spec does not allow.
   */
  override repo(name: string): Repository {
    return new Repository(this, repositoryName(this, name), registryContext(this));
  }

  /**
   * The repositories, one page at a time, following `Link` (or `last` without one). Needs `registry:catalog:*`,
   * which many registries grant to administrators only. A failed page ends the iteration (logged).
   */
  override catalog(options: CatalogOptions = {}): AsyncIterable<Repository[]> {
    // The pages are made by this.repo(), so they hold full repositories.
    return super.catalog(options) as AsyncIterable<Repository[]>;
  }
}

/** The strict face of a Registry, for `strict()`. Not exported by the package. */
export function strictRegistryOf(registry: Registry): StrictRegistry {
  if (!(registry instanceof Registry)) {
    throw new OciError("INVALID_ARGUMENT", `not a Registry of @toci/client: ${String(registry)}`);
  }
  return strictOf!(registry);
}
