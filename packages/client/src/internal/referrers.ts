// Referrers, read (distribution-spec "Listing Referrers"): the referrers API when the registry has it (pages through
// the one pager, filtered here when OCI-Filters-Applied lacks artifactType); otherwise the fallback tag
// `<alg>-<hex>`, an index that writers keep up to date on push and delete (referrers-upkeep.ts). Whether the API
// exists is learnt once per registry.
import {
  type Descriptor,
  type Index,
  isIndex,
  OCI_INDEX,
  OciError,
  parseManifest,
  referrersTag,
} from "@toci/spec-types";
import { PULL } from "./auth/scope.js";
import { judgeFallback } from "./fallback-index.js";
import { discard } from "./http.js";
import { readCapped } from "./manifest-bytes.js";
import { pages } from "./pager.js";
import type { Remote } from "./remote.js";

/** The manifests that refer to `subject`, of `artifactType` when given. */
export async function listReferrers(
  remote: Remote,
  subject: Descriptor,
  artifactType: string | undefined,
  signal: AbortSignal,
): Promise<Descriptor[]> {
  const keep = (list: Descriptor[]) =>
    artifactType === undefined ? list : list.filter((d) => d.artifactType === artifactType);
  const { abilities } = remote.http;
  if (abilities.referrersApi !== false) {
    const found = await fromApi(remote, subject, artifactType, signal);
    if (found) return keep(found);
  }
  const fallback = await readFallback(remote, subject, signal);
  if (fallback.foreign) {
    // Not a referrers list: none are known, and the tag's content is left as it is.
    remote.logger.warn(`the referrers tag ${fallback.tag} holds ${fallback.foreign}: not read as referrers`, {
      subject: subject.digest,
    });
  }
  return keep(fallback.index.manifests);
}

/** The referrers API's list (not yet filtered by artifactType), or undefined when the registry has no such API. */
async function fromApi(
  remote: Remote,
  subject: Descriptor,
  artifactType: string | undefined,
  signal: AbortSignal,
): Promise<Descriptor[] | undefined> {
  const { http } = remote;
  const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : "";
  const max = remote.options.maxManifestBytes;
  const seen = new Set<string>();
  const out: Descriptor[] = [];
  let answered = false;
  try {
    for await (const page of pages({
      http,
      logger: remote.logger,
      url: http.url(`${remote.name}/referrers/${subject.digest}${query}`),
      headers: { accept: OCI_INDEX },
      scopes: remote.scopes(PULL),
      notFound: "NOT_FOUND",
      what: `referrers of ${subject.digest}`,
      read: (body) => {
        answered = true;
        http.abilities.learnReferrersApi(true);
        const index = parseManifest(body, OCI_INDEX, { maxBytes: max });
        if (!isIndex(index)) throw new OciError("PROTOCOL", "the referrers API answered something other than an index");
        const items = index.manifests.filter((d) => !seen.has(d.digest) && seen.add(d.digest));
        return { items, fresh: items.length };
      },
      signal,
    })) {
      out.push(...page);
    }
  } catch (error) {
    if (answered || (error as OciError).status !== 404) throw error;
    // The API is missing (2.8.2 answers a text/plain router 404 to the first page): fall back, and remember it.
    // A registry that has it answers 404 NAME_UNKNOWN or MANIFEST_UNKNOWN for one repository or subject: fall back
    // this once, and learn nothing about the registry.
    if (!aboutThisRepository(error as OciError)) http.abilities.learnReferrersApi(false);
    return undefined;
  }
  return out;
}

/** Whether a 404 names a missing repository or subject rather than a missing endpoint. */
function aboutThisRepository(error: OciError): boolean {
  return (error.errors ?? []).some((e) => e.code === "NAME_UNKNOWN" || e.code === "MANIFEST_UNKNOWN");
}

/** A fallback index as read, with its ETag; `foreign` says why the tag's content is not one (then it is empty). */
export interface Fallback {
  tag: string;
  index: Index;
  etag: string | undefined;
  foreign?: string;
}

/** The fallback index of a subject and its ETag; an empty index when the tag does not exist. */
export async function readFallback(remote: Remote, subject: Descriptor, signal: AbortSignal): Promise<Fallback> {
  const tag = referrersTag(subject.digest);
  const empty: Index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
  const path = remote.path("manifests", tag);
  const { http } = remote;
  const max = remote.options.maxManifestBytes;
  const response = await http.send({
    method: "GET",
    path,
    headers: { accept: OCI_INDEX },
    scopes: remote.scopes(PULL),
    signal,
  });
  if (response.status === 404) {
    await discard(response);
    return { tag, index: empty, etag: undefined };
  }
  if (response.status !== 200) throw await http.error(response, "GET", http.url(path), "MANIFEST_UNKNOWN");
  const bytes = await readCapped(response, max);
  const content = await judgeFallback(bytes, response.headers.get("content-type"), { subject, maxBytes: max });
  const etag = response.headers.get("etag") ?? undefined;
  return "index" in content
    ? { tag, index: content.index, etag }
    : { tag, index: empty, etag, foreign: content.foreign };
}
