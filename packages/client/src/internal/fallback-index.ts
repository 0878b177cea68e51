// What the referrers fallback tag `<alg>-<hex>` holds, judged before it is read as referrers or rewritten
// (distribution-spec "Referrers Tag Schema": the tag SHOULD hold an index of referrers, and a client SHOULD NOT
// overwrite what is not one). Some registries resolve such a tag specially: GitLab answers it with the subject
// itself (https://github.com/oras-project/oras/issues/2148), and a multi-platform subject is an index whose
// platform images would otherwise be listed as its referrers, then overwritten by our next attach.
import {
  type Descriptor,
  type Index,
  isIndex,
  isManifestOrIndexMediaType,
  type OciError,
  parseManifest,
} from "@toci/spec-types";
import { verifyBytes } from "./manifest-bytes.js";

/** What the tag holds: a referrers index, or why it is not one. */
export type FallbackContent = { index: Index } | { foreign: string };

/** Judges the bytes under `subject`'s fallback tag. Never throws for what a registry sent. */
export async function judgeFallback(
  bytes: Uint8Array,
  contentType: string | null,
  options: { subject: Descriptor; maxBytes: number },
): Promise<FallbackContent> {
  const { subject } = options;
  if (
    await verifyBytes(subject, bytes).then(
      () => true,
      () => false,
    )
  ) {
    return { foreign: "the subject itself" };
  }
  let parsed: ReturnType<typeof parseManifest>;
  try {
    parsed = parseManifest(bytes, contentType, { maxBytes: options.maxBytes });
  } catch (error) {
    return { foreign: `no manifest (${(error as OciError).message})` };
  }
  if (!isIndex(parsed)) return { foreign: "a manifest, not an index" };
  for (const entry of parsed.manifests) {
    if (entry.digest === subject.digest) return { foreign: "an index that names the subject itself" };
    if (!isManifestOrIndexMediaType(entry.mediaType)) return { foreign: `an index naming a ${entry.mediaType}` };
    // A platform list (a multi-platform image): referrers carry an artifactType, platform images a platform.
    if (entry.platform && entry.artifactType === undefined) return { foreign: "an index of platform images" };
  }
  return { index: parsed };
}
