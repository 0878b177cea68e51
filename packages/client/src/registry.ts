// A registry: ping, the catalog, and its repositories. Obtained from `client.registry(url, options)`.
import { isRepositoryName, OciError, readAll, toOciError } from "@toci/spec-types";
import { CATALOG_SCOPE } from "./internal/auth/scope.js";
import { assertOpen, openOperation, type RegistryContext } from "./internal/context.js";
import { discard } from "./internal/http.js";
import { nextLink } from "./internal/link.js";
import { Repository } from "./repository.js";

/** Options of {@link Registry.catalog}. */
export interface CatalogOptions {
  /**
   * Repositories per page. distribution caps it at 1000 (catalog.maxentries) and answers 400 above it.
   * @default 100
   */
  n?: number;
  signal?: AbortSignal;
}

/** The largest catalog page read. */
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
/** Pages followed before giving up on a registry that never stops. */
const MAX_PAGES = 100_000;

export class Registry {
  /** The base URL of the registry's API (`https://ghcr.io/`). */
  readonly url: string;
  /** The registry's name in references: `host[:port]` (`docker.io` for Docker Hub). */
  readonly name: string;
  readonly #context: RegistryContext;

  /** @internal Use `client.registry(url)`. */
  constructor(context: RegistryContext) {
    this.#context = context;
    this.url = context.http.base.href;
    this.name = context.name;
  }

  /** The repository `name` on this registry. Throws `NAME_INVALID` for a name the spec does not allow. */
  repo(name: string): Repository {
    if (!isRepositoryName(name)) throw new OciError("NAME_INVALID", `invalid repository name ${JSON.stringify(name)}`);
    return new Repository(this, name, this.#context);
  }

  /**
   * Whether the registry implements the distribution API (`GET /v2/` answers 200, after authenticating if it asks).
   * False on any failure, logged.
   */
  async ping(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const context = this.#context;
    const operation = openOperation(context, options.signal);
    try {
      assertOpen(context);
      const response = await context.http.send({
        method: "GET",
        path: "",
        scopes: [],
        signal: operation.signal,
      });
      if (response.status === 200) {
        await discard(response);
        if (!response.headers.has("www-authenticate")) context.http.learnAnonymous();
        return true;
      }
      throw await context.http.error(response, "GET", context.http.url(""), "NOT_FOUND");
    } catch (error) {
      const e = toOciError(error, "NETWORK");
      context.logger.error(`ping ${this.name} failed: ${e.message}`, { error: e });
      return false;
    } finally {
      operation.end();
    }
  }

  /**
   * The repositories, one page at a time, following `Link` (or `last` without one). Needs `registry:catalog:*`,
   * which many registries grant to administrators only. A failed page ends the iteration (logged).
   */
  catalog(options: CatalogOptions = {}): AsyncIterable<Repository[]> {
    const context = this.#context;
    const n = options.n ?? 100;
    const registry = this;
    return {
      async *[Symbol.asyncIterator]() {
        const operation = openOperation(context, options.signal);
        try {
          assertOpen(context);
          if (!Number.isSafeInteger(n) || n < 1) throw new OciError("INVALID_ARGUMENT", "n must be a positive integer");
          const { signal } = operation;
          const seen = new Set<string>();
          let url: string | undefined = context.http.url(`_catalog?n=${n}`);
          for (let page = 0; url && page < MAX_PAGES; page++) {
            const response = await context.http.send({ method: "GET", url, scopes: [CATALOG_SCOPE], signal });
            if (response.status !== 200) throw await context.http.error(response, "GET", url, "NOT_FOUND");
            const body = response.body ? await readAll(response.body, MAX_PAGE_BYTES) : new Uint8Array();
            let names: unknown;
            try {
              names = (JSON.parse(new TextDecoder().decode(body)) as { repositories?: unknown } | null)?.repositories;
            } catch (cause) {
              throw new OciError("PROTOCOL", "the catalog is not JSON", { cause });
            }
            if (names !== null && names !== undefined && !Array.isArray(names)) {
              throw new OciError("PROTOCOL", "the catalog's repositories is not an array");
            }
            const fresh = ((names ?? []) as unknown[]).filter(
              (name): name is string => typeof name === "string" && isRepositoryName(name) && !seen.has(name),
            );
            for (const name of fresh) seen.add(name);
            if (fresh.length) yield fresh.map((name) => new Repository(registry, name, context));
            let next = nextLink(response.headers.get("link"), url);
            if (next && new URL(next).origin !== new URL(url).origin) {
              context.logger.warn("ignoring a catalog Link to another origin", { link: next });
              next = undefined;
            }
            url =
              next ??
              (fresh.length >= n
                ? context.http.url(`_catalog?n=${n}&last=${encodeURIComponent(fresh.at(-1)!)}`)
                : undefined);
            if (!fresh.length) break;
          }
        } catch (error) {
          const e = toOciError(error, "NETWORK");
          context.logger.error(`catalog ${registry.name} failed: ${e.message}`, { error: e });
        } finally {
          operation.end();
        }
      },
    };
  }

  toString(): string {
    return `Registry(${this.url})`;
  }
}
