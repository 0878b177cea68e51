// Listing referrers (distribution-spec "Listing Referrers"): the referrers API when the registry has it, with Link
// pages and client-side filtering when OCI-Filters-Applied lacks artifactType; otherwise the fallback tag. Whether
// the API exists is learnt once per registry.
import { type Descriptor, isIndex, OCI_INDEX, OciError, parseManifest, readAll, referrersTag } from "@toci/spec-types";
import { PULL, repositoryScope } from "./auth/scope.js";
import type { RegistryContext } from "./context.js";
import { discard } from "./http.js";
import { nextLink } from "./link.js";
import { readFallback } from "./manifest-put.js";

/** Pages of referrers followed at most. */
const MAX_PAGES = 1000;

export async function listReferrers(
  context: RegistryContext,
  repository: string,
  subject: Descriptor,
  artifactType: string | undefined,
  signal: AbortSignal,
): Promise<Descriptor[]> {
  const { http } = context;
  const keep = (list: Descriptor[]) =>
    artifactType === undefined ? list : list.filter((d) => d.artifactType === artifactType);
  if (http.abilities.referrersApi !== false) {
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : "";
    let url: string | undefined = http.url(`${repository}/referrers/${subject.digest}${query}`);
    const out: Descriptor[] = [];
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const response = await http.send({
        method: "GET",
        url,
        headers: { accept: OCI_INDEX },
        scopes: [repositoryScope(repository, PULL)],
        signal,
      });
      if (response.status === 404 && page === 0) {
        // The API is missing (2.8.2 answers a text/plain router 404): fall back, and remember it.
        await discard(response);
        http.abilities.referrersApi = false;
        break;
      }
      if (response.status !== 200) throw await http.error(response, "GET", url, "NOT_FOUND");
      http.abilities.referrersApi = true;
      const bytes = response.body ? await readAll(response.body, context.options.maxManifestBytes) : new Uint8Array();
      const index = parseManifest(bytes, OCI_INDEX, { maxBytes: context.options.maxManifestBytes });
      if (!isIndex(index)) throw new OciError("PROTOCOL", "the referrers API answered something other than an index");
      const filtered = (response.headers.get("oci-filters-applied") ?? "").split(",").map((s) => s.trim());
      out.push(...(filtered.includes("artifactType") ? index.manifests : keep(index.manifests)));
      const next = nextLink(response.headers.get("link"), url);
      url = next && new URL(next).origin === new URL(url).origin ? next : undefined;
    }
    if (http.abilities.referrersApi) return out;
  }
  const { index } = await readFallback(context, repository, referrersTag(subject.digest), signal);
  return keep(index.manifests);
}
