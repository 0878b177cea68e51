// One pager for every paginated list of the API: tags, the catalog and referrers (distribution-spec "Listing Tags",
// "Listing Repositories", "Listing Referrers": https://github.com/opencontainers/distribution-spec/blob/main/spec.md).
// The next page is the `Link: <…>; rel="next"` target, else, after a full page of a list that is sorted, the same
// list asked again with `last=<its last item>` (what distribution accepts). A Link is followed only on the
// registry's origin and under its API root, since the credentials go with it; what is refused is logged. One
// budget of pages and of bytes read bounds what a registry that never stops can make us read and hold.
import {
  isOciError,
  OciError,
  type OciErrorCode,
  readResponse,
  redactUrl,
  type TransportResponse,
} from "@toci/spec-types";
import type { Logger } from "../logger.js";
import type { RegistryHttp } from "./http.js";
import { nextLink } from "./link.js";
import { escapesApi } from "./url.js";

/** The caps of one listing. */
export interface PageLimits {
  /** Pages followed at most. */
  pages: number;
  /** Bytes of page bodies read at most, all pages together. */
  bytes: number;
}

/**
 * 10 000 pages are 10^7 tags at distribution's 1000 a page. 64 MiB of bodies hold a 10^6-tag list (~40 MB of JSON)
 * with room to spare, while a registry that streams pages forever stops here instead of filling the heap.
 */
export const PAGE_LIMITS: PageLimits = Object.freeze({ pages: 10_000, bytes: 64 * 1024 * 1024 });

/** What one page brought. */
export interface PageItems<T> {
  /** The page's items for the caller (new ones only). */
  items: T[];
  /** How many items were new: a page without any ends the listing (a registry that repeats itself). */
  fresh: number;
  /** The page's last new item, for the `last` fallback. */
  last?: string;
}

/** One listing. */
export interface PageRequest<T> {
  http: RegistryHttp;
  logger: Logger;
  /** The first page's absolute URL. */
  url: string;
  scopes: readonly string[];
  headers?: Record<string, string>;
  /** The code of a 404. */
  notFound: OciErrorCode;
  /** What is listed, for messages. */
  what: string;
  /** Reads a page's body: throws an OciError when it is not the list expected. */
  read(body: Uint8Array, headers: Headers): PageItems<T>;
  /** Without a Link: the URL after a page that brought `n` new items, from the last one (`last=`). */
  after?: { n: number; url(last: string): string };
  signal: AbortSignal;
  /** @default PAGE_LIMITS */
  limits?: PageLimits;
}

/** The pages of a listing, each one's new items (pages bringing none are not yielded). */
export async function* pages<T>(request: PageRequest<T>): AsyncGenerator<T[], void, undefined> {
  const { http, limits = PAGE_LIMITS, after } = request;
  let url: string | undefined = request.url;
  let spent = 0;
  for (let page = 0; url; page++) {
    if (page >= limits.pages) throw tooLong(request, `${limits.pages} pages`);
    const { headers, scopes, signal } = request;
    const response = await http.send({ method: "GET", url, headers, scopes, signal });
    if (response.status !== 200) throw await http.error(response, "GET", url, request.notFound);
    const body = await readBudget(request, response, { limits, spent });
    spent += body.byteLength;
    const { items, fresh, last } = request.read(body, response.headers);
    if (items.length) yield items;
    if (fresh === 0) return;
    url =
      follow(request, response.headers.get("link"), url) ??
      (after && fresh >= after.n && last !== undefined ? after.url(last) : undefined);
  }
}

/** One decoder for every page (UTF-8, replacing invalid bytes, as a new one would). */
const decoder = new TextDecoder();

/** Parses a page of JSON. */
export function pageJson(body: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(decoder.decode(body));
  } catch (cause) {
    throw new OciError("PROTOCOL", `the ${what} page is not JSON`, { cause });
  }
}

/** The next page's URL from a Link header, when it may be followed with the registry's credentials. */
function follow(request: PageRequest<unknown>, header: string | null, current: string): string | undefined {
  const next = nextLink(header, current);
  if (!next) return undefined;
  const url = new URL(next);
  const base = request.http.base;
  const why =
    url.origin !== base.origin ? "to another origin" : escapesApi(url, base) ? "outside the registry's API" : undefined;
  if (why === undefined) return next;
  request.logger.warn(`not following a ${request.what} Link ${why}: the listing stops here`, { link: redactUrl(next) });
  return undefined;
}

/** Reads a page within what is left of the byte budget. */
async function readBudget(
  request: PageRequest<unknown>,
  response: TransportResponse,
  budget: { limits: PageLimits; spent: number },
): Promise<Uint8Array> {
  try {
    return await readResponse(response, Math.max(0, budget.limits.bytes - budget.spent));
  } catch (error) {
    if (isOciError(error) && error.code === "TOO_LARGE") throw tooLong(request, `${budget.limits.bytes} bytes`);
    throw error;
  }
}

function tooLong(request: PageRequest<unknown>, limit: string): OciError {
  return new OciError("TOO_LARGE", `the ${request.what} list goes on past ${limit}: stopped reading it`);
}
