// The tag list of a repository and the catalog of a registry, through the one pager. Only names the grammar allows
// are kept, each once: what a registry lists is printed to terminals and sent back in URLs, and a control character
// or a 1 MB "tag" is neither. `tags: null` (and `repositories: null`) mean none.
import { isRepositoryName, isTag, OciError } from "@toci/spec-types";
import { CATALOG_SCOPE, PULL } from "./auth/scope.js";
import type { RegistryContext } from "./context.js";
import { type PageItems, pageJson, pages } from "./pager.js";
import type { Remote } from "./remote.js";

/**
 * Tags asked per page. ECR refuses more than 1000; registries that ignore `n` send everything at once, and a page
 * of exactly 1000 new tags without a Link is taken as full (then `last=` asks for the rest).
 */
const TAGS_PER_PAGE = 1000;

/** Every tag of a repository, all pages. */
export async function listTags(remote: Remote, signal: AbortSignal): Promise<string[]> {
  const tags: string[] = [];
  const read = names("tags", isTag);
  const list = `${remote.name}/tags/list?n=${TAGS_PER_PAGE}`;
  for await (const page of pages({
    http: remote.http,
    logger: remote.logger,
    url: remote.http.url(list),
    scopes: remote.scopes(PULL),
    notFound: "NAME_UNKNOWN",
    what: `tags of ${remote.reference}`,
    read,
    after: { n: TAGS_PER_PAGE, url: (last) => remote.http.url(`${list}&last=${encodeURIComponent(last)}`) },
    signal,
  })) {
    tags.push(...page);
  }
  return tags;
}

/** The names of a registry's repositories, a page at a time. */
export function catalogPages(context: RegistryContext, n: number, signal: AbortSignal): AsyncGenerator<string[]> {
  const { http, logger } = context;
  return pages({
    http,
    logger,
    url: http.url(`_catalog?n=${n}`),
    scopes: [CATALOG_SCOPE],
    notFound: "NOT_FOUND",
    what: `catalog of ${context.name}`,
    read: names("repositories", isRepositoryName),
    after: { n, url: (last) => http.url(`_catalog?n=${n}&last=${encodeURIComponent(last)}`) },
    signal,
  });
}

/** Reads `{ <field>: [names] }` pages, keeping the valid names not seen on an earlier page. */
function names(field: "tags" | "repositories", valid: (name: unknown) => name is string) {
  const seen = new Set<string>();
  return (body: Uint8Array): PageItems<string> => {
    const list = (pageJson(body, field) as Record<string, unknown> | null)?.[field];
    if (list !== null && list !== undefined && !Array.isArray(list)) {
      throw new OciError("PROTOCOL", `the ${field} list is not an array`);
    }
    const items: string[] = [];
    for (const name of (list ?? []) as unknown[]) {
      if (valid(name) && !seen.has(name)) {
        seen.add(name);
        items.push(name);
      }
    }
    return { items, fresh: items.length, last: items.at(-1) };
  };
}
