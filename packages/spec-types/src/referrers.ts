// The referrers tag schema (distribution-spec "Referrers Tag Schema"), the fallback for registries without the
// referrers API: an index tagged `<alg>-<ref>` lists the manifests whose `subject` is the digest.
import { parseDigest } from "./digest.js";

/** Longest algorithm part of a fallback tag (distribution-spec main: truncated to 32 characters). */
const MAX_ALGORITHM = 32;
/** Longest encoded part of a fallback tag (v1.1.1 and main: truncated to 64 characters). */
const MAX_ENCODED = 64;

/**
 * The fallback tag for the referrers of `digest`: `sha256-<hex>` for sha256. Following distribution-spec main,
 * the algorithm is truncated to 32 characters, the encoded part to 64, and characters not allowed in a tag become
 * `-`. Throws `DIGEST_INVALID` for an invalid digest.
 */
export function referrersTag(digest: string): string {
  const { algorithm, encoded } = parseDigest(digest);
  const tag = `${algorithm.slice(0, MAX_ALGORITHM)}-${encoded.slice(0, MAX_ENCODED)}`;
  return tag.replace(/[^a-zA-Z0-9_.-]/g, "-");
}
