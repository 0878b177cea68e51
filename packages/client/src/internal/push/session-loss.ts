// Which failures of an upload cost only the session (a fresh one may succeed) and which are the content's own.
import type { OciError } from "@toci/spec-types";

/**
 * A DIGEST_INVALID from the registry: the session holds other bytes than the ones sent, since every byte sent was
 * verified on its way out (source.ts; a source's own mismatch is DIGEST_MISMATCH). distribution 2.8.2 answers it
 * when two processes finish one shared session at once: the first commit moves the session's data away, and the
 * second finds none and hashes nothing (its log: "canonical digest does match provided digest", the canonical one
 * being the empty blob's); and its commit takes the size from the session file, so a file two PATCHes appended to at
 * once fails as a digest too. The blob may be there now (another writer committed it: the next attempt's HEAD says
 * so) or not (a fresh session sends it again).
 */
export function sessionBroken(e: OciError): boolean {
  return e.code === "DIGEST_INVALID";
}

/** The content itself was refused or wrong: another session would not change that. */
export function isContentError(e: OciError): boolean {
  return e.code === "DIGEST_MISMATCH" || e.code === "SIZE_MISMATCH";
}
