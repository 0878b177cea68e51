// index.json as toci reads and rewrites it: the file is refused only when there is nothing to salvage, and one bad
// entry in `manifests` costs that entry, not the layout.
//
// Why: layouts are written by many tools (skopeo, umoci, buildkit, oras, scripts), and one odd entry used to make
// every operation fail with STORE, so the user could not even list the good tags. What the others do:
//   - containers/image (skopeo `oci:`) decodes index.json into Go structs and validates a digest only when it
//     builds a blob path from it, so a bad entry fails only the reference that names it;
//   - umoci resolves by ref.name over all entries, keeps the other entries when it rewrites the index, and its gc
//     takes every entry as a root and stops when one cannot be walked;
//   - oras-go indexes the whole graph when it opens a layout and fails to open on a bad entry.
// toci follows containers/image for reading and umoci for writing and gc:
//   - reading (list, resolve, the roots of gc) uses only valid entries; the others are skipped and reported;
//   - no path is ever built from a skipped entry (paths come only from validated digests, fs-store.ts);
//   - a skipped entry whose digest is a valid sha256/sha512 digest still pins that blob, and what the blob reaches
//     when it is a manifest, in gc: its size or media type is wrong, not necessarily its digest, and deleting
//     what another tool still names is the one mistake that cannot be undone. A skipped entry whose digest is
//     not valid cannot name any blob gc would delete (gc only considers files named by valid digests);
//   - rewriting (tag, untag, remove) keeps skipped entries where they were, as JSON values (another tool's data
//     is never dropped), but one whose ref.name a tag gives to a new root (two entries of one name would be
//     ambiguous to every reader); only a valid entry can otherwise be replaced or removed.
// Nothing to salvage, so still refused with STORE: bytes over the cap, not UTF-8 JSON, not an object,
// schemaVersion other than 2, a mediaType other than the OCI index type, `manifests` missing or not an array.
import {
  ANNOTATION_REF_NAME,
  checkDescriptor,
  type Descriptor,
  type Digest,
  OCI_INDEX,
  OciError,
  parseDigest,
  requireVerifiable,
} from "@toci/spec-types";

/** An entry of index.json's `manifests` that is not a valid descriptor, so was skipped. */
export interface SkippedIndexEntry {
  /** Its position in `manifests` (0-based). */
  position: number;
  /** Why it was skipped, e.g. `manifests[2].digest "sha256:xyz" is not a valid digest`. */
  reason: string;
  /** Its digest, when that is a valid sha256/sha512 digest: gc() keeps that blob (and its graph). */
  digest?: Digest;
}

/** The warning for entries of index.json that were skipped (one of {@link FsStoreWarning}). */
export interface IndexEntriesSkippedWarning {
  /** What happened: entries of index.json were skipped (the only warning so far). */
  code: "INDEX_ENTRIES_SKIPPED";
  /** One line for a human: the file, how many entries, and the first reasons. */
  message: string;
  /** The file the warning is about. */
  file: string;
  /** How many entries were skipped. */
  skipped: number;
  /** The first 100 skipped entries (a hostile file may have millions); `skipped` counts them all. */
  entries: SkippedIndexEntry[];
}

/** index.json, parsed: the object (other tools' fields kept), its entries as they are, and what toci uses. */
export interface IndexFile {
  raw: Record<string, unknown>;
  /** `manifests` as parsed, valid or not, in order. */
  entries: unknown[];
  /** The valid entries: the roots. The same objects as in `entries`, so a rewrite can tell them apart. */
  roots: Descriptor[];
  /** The entries that were not valid. */
  skipped: SkippedIndexEntry[];
}

/** How many skipped entries a warning lists; its count is always exact. */
export const MAX_REPORTED = 100;
/** How many reasons the one-line message quotes. */
const REASONS_IN_MESSAGE = 3;

/** Parses index.json bytes; throws `STORE`, naming `file`, when they are not an image index at all. */
export function parseIndexFile(bytes: Uint8Array, file: string, maxBytes: number): IndexFile {
  const refuse = (why: string, cause?: unknown): never => {
    throw new OciError("STORE", `${file} is not a valid image index: ${why}`, { detail: { file }, cause });
  };
  if (bytes.byteLength > maxBytes) refuse(`${bytes.byteLength} bytes, over the ${maxBytes}-byte cap`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    refuse("not UTF-8 JSON", cause);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return refuse("not a JSON object");
  const raw = value as Record<string, unknown>;
  if (raw.schemaVersion !== 2) refuse(`schemaVersion must be 2, got ${render(raw.schemaVersion)}`);
  if (raw.mediaType !== undefined && raw.mediaType !== OCI_INDEX) {
    refuse(`mediaType must be ${OCI_INDEX}, got ${render(raw.mediaType)}`);
  }
  if (!Array.isArray(raw.manifests)) refuse("manifests must be an array");
  const entries = raw.manifests as unknown[];
  const roots: Descriptor[] = [];
  const skipped: SkippedIndexEntry[] = [];
  entries.forEach((entry, position) => {
    try {
      checkDescriptor(entry, `manifests[${position}]`);
      roots.push(entry);
    } catch (error) {
      const reason = error instanceof Error ? error.message : `manifests[${position}] is not a descriptor`;
      const digest = storableDigest(entry);
      skipped.push(digest === undefined ? { position, reason } : { position, reason, digest });
    }
  });
  return { raw, entries, roots, skipped };
}

/**
 * The text of index.json after a change that turned `file.roots` into `next`: skipped entries stay where they
 * were, valid entries stay unless `next` dropped them, new roots go last. Roots are told apart by identity (the
 * changes in roots.ts filter and append, never copy), so an entry equal to a skipped one is never confused with
 * it. Values are re-serialised: spacing and number spelling may change (1.50 becomes 1.5), the values do not,
 * except integers beyond 2^53, which no valid descriptor has.
 */
export function serializeIndex(file: IndexFile, next: readonly Descriptor[]): string {
  const valid = new Set<unknown>(file.roots);
  const kept = new Set<unknown>(next);
  // A name given to a new root is that root's: a skipped entry carrying the same ref.name would leave two entries
  // of one name, and other tools might pick the broken one. It is the one bad entry a rewrite drops.
  const named = new Set(next.filter((root) => !valid.has(root)).map(refName));
  const manifests: unknown[] = file.entries.filter((entry) =>
    valid.has(entry) ? kept.has(entry) : refName(entry) === undefined || !named.has(refName(entry)),
  );
  for (const root of next) if (!valid.has(root)) manifests.push(root);
  const { schemaVersion: _v, mediaType: _m, manifests: _r, ...rest } = file.raw;
  return JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests, ...rest });
}

/** The warning for a read that skipped entries. */
export function skippedWarning(file: string, skipped: readonly SkippedIndexEntry[]): IndexEntriesSkippedWarning {
  const reasons = skipped.slice(0, REASONS_IN_MESSAGE).map((s) => s.reason);
  if (skipped.length > REASONS_IN_MESSAGE) reasons.push(`and ${skipped.length - REASONS_IN_MESSAGE} more`);
  const count = skipped.length === 1 ? "1 invalid entry" : `${skipped.length} invalid entries`;
  return {
    code: "INDEX_ENTRIES_SKIPPED",
    message: `${file}: skipped ${count} of manifests (left in the file as they are): ${reasons.join("; ")}`,
    file,
    skipped: skipped.length,
    entries: skipped.slice(0, MAX_REPORTED),
  };
}

/** An entry's `org.opencontainers.image.ref.name`, when it has a string one. */
function refName(entry: unknown): string | undefined {
  if (typeof entry !== "object" || entry === null) return undefined;
  const name = (entry as { annotations?: Record<string, unknown> }).annotations?.[ANNOTATION_REF_NAME];
  return typeof name === "string" ? name : undefined;
}

/** The entry's digest when it is one toci stores (sha256/sha512, exact length); what gc must not delete. */
function storableDigest(entry: unknown): Digest | undefined {
  if (typeof entry !== "object" || entry === null) return undefined;
  const digest = (entry as { digest?: unknown }).digest;
  if (typeof digest !== "string") return undefined;
  try {
    requireVerifiable(digest);
    return parseDigest(digest).digest;
  } catch {
    return undefined;
  }
}

/** A short, escaped rendering of an untrusted value for a message. */
function render(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = `(${typeof value})`;
  }
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
