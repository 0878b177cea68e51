// Tag and catalog pagination with `Link` (distribution-spec "Listing Tags", "Catalog"). distribution 2.8.2
// ignores `n`/`last` on tags/list and returns everything unsorted (docs/architecture.md §7), so the proxy fetches the whole
// list and pages it itself: sorted, at most `n` (and at most `pageSize`) per page, `Link` to the next page.
import type { FaultAction, FaultContext } from "./types.js";

/** Options of {@link paginate}. */
export interface PaginateOptions {
  /** Most entries per page, whatever `n` asks (registries may return fewer than `n`). @default 2 */
  pageSize?: number;
}

const TAGS = /^\/v2\/(.+)\/tags\/list$/;
const CATALOG = "/v2/_catalog";

/** Serves GET tags/list and _catalog in pages with `Link`; match it on those paths. */
export function paginate(options: PaginateOptions = {}): FaultAction {
  const pageSize = options.pageSize ?? 2;
  return {
    name: `paginate ${pageSize}`,
    async request(ctx) {
      if (ctx.req.method !== "GET") return false;
      const tags = TAGS.exec(ctx.url.pathname);
      if (!tags && ctx.url.pathname !== CATALOG) return false;
      const listing = tags ? await fetchTags(ctx, ctx.url.pathname) : await fetchCatalog(ctx);
      if ("answered" in listing) return true; // the registry's error (401, 404) was relayed
      const { items, wasNull } = listing;
      const wanted = Number.parseInt(ctx.url.searchParams.get("n") ?? "", 10);
      const n = Number.isInteger(wanted) && wanted >= 0 ? Math.min(wanted, pageSize) : pageSize;
      const last = ctx.url.searchParams.get("last");
      const rest = last === null ? items : items.filter((item) => item > last);
      const page = rest.slice(0, n);
      const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
      if (rest.length > page.length && page.length > 0) {
        const next = new URLSearchParams({ n: String(Number.isInteger(wanted) && wanted >= 0 ? wanted : pageSize) });
        next.set("last", page[page.length - 1]!);
        headers.link = `<${ctx.url.pathname}?${next}>; rel="next"`;
      }
      const body = tags
        ? { name: decodeURIComponent(tags[1]!), tags: wasNull && items.length === 0 ? null : page }
        : { repositories: page };
      await ctx.send(200, headers, JSON.stringify(body));
      return true;
    },
  };
}

type Listing = { items: string[]; wasNull: boolean } | { answered: true };

async function fetchTags(ctx: FaultContext, path: string): Promise<Listing> {
  const res = await ctx.upstream(path);
  if (res.status !== 200) return relay(ctx, res);
  const body = JSON.parse(res.body.toString()) as { tags: string[] | null };
  return { items: [...(body.tags ?? [])].sort(), wasNull: body.tags === null };
}

async function fetchCatalog(ctx: FaultContext): Promise<Listing> {
  const items: string[] = [];
  let path: string | undefined = `${CATALOG}?n=1000`;
  while (path) {
    const res = await ctx.upstream(path);
    if (res.status !== 200) return relay(ctx, res);
    items.push(...(JSON.parse(res.body.toString()) as { repositories: string[] }).repositories);
    const link = /<([^>]+)>;\s*rel="next"/.exec(String(res.headers.link ?? ""));
    path = link ? link[1] : undefined;
  }
  return { items: items.sort(), wasNull: false };
}

async function relay(
  ctx: FaultContext,
  res: { status: number; headers: Record<string, unknown>; body: Buffer },
): Promise<Listing> {
  const headers: Record<string, string> = {};
  for (const name of ["content-type", "www-authenticate", "docker-distribution-api-version"]) {
    if (typeof res.headers[name] === "string") headers[name] = res.headers[name] as string;
  }
  await ctx.send(res.status, headers, res.body);
  return { answered: true };
}
