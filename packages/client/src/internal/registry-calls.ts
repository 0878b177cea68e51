// The calls of a registry as a whole, throwing their OciError: ping and the catalog. StrictRegistry hands them out
// as they are; the Registry classes (the pull entry's and the full one) guard them under the error model.
import { OciError } from "@toci/spec-types";
import type { RegistryContext } from "./context.js";
import { discard } from "./http.js";
import { catalogPages } from "./lists.js";

/** Checks that the registry implements the distribution API (`GET /v2/` answers 200, after authenticating). */
export function pingRegistry(context: RegistryContext, signal: AbortSignal | undefined): Promise<void> {
  const { http, lifecycle } = context;
  return lifecycle.run(signal, async (signal) => {
    const response = await http.send({ method: "GET", path: "", scopes: [], signal });
    if (response.status !== 200) throw await http.error(response, "GET", http.url(""), "NOT_FOUND");
    await discard(response);
    if (!response.headers.has("www-authenticate")) http.learnAnonymous();
  });
}

/** What a catalog listing needs: the page size, the caller's signal, and how a name becomes a repository object. */
export interface CatalogRequest<R> {
  n: number | undefined;
  signal: AbortSignal | undefined;
  repo: (name: string) => R;
}

/**
 * The repositories, one page at a time, following `Link` (or `last` without one). A failure ends the iteration by
 * throwing its OciError.
 */
export async function* catalogRepositories<R>(
  context: RegistryContext,
  request: CatalogRequest<R>,
): AsyncGenerator<R[]> {
  // 100 a page: distribution's catalog default, well under its 1000 cap (catalog.maxentries).
  const n = request.n ?? 100;
  const operation = context.lifecycle.open(request.signal);
  try {
    context.lifecycle.assertOpen();
    if (!Number.isSafeInteger(n) || n < 1) throw new OciError("INVALID_ARGUMENT", "n must be a positive integer");
    for await (const names of catalogPages(context, n, operation.signal)) yield names.map(request.repo);
  } finally {
    operation.end();
  }
}
