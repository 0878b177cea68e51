// Referrers, maintained (distribution-spec "Pushing Manifests with Subject"): on a registry without the referrers
// API, the fallback tag `<alg>-<hex>` names an index of a subject's referrers, which a push of a manifest with a
// subject, and its delete, keep up to date by read-modify-write.
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests-with-subject
import {
  type Descriptor,
  type Index,
  isIndex,
  type Manifest,
  OCI_INDEX,
  OciError,
  referrersTag,
} from "@toci/spec-types";
import { describeManifest } from "./manifest-bytes.js";
import { type Fallback, readFallback } from "./referrers.js";
import type { Remote } from "./remote.js";
import { delay } from "./signals.js";
import { sendManifest } from "./write-requests.js";

/**
 * Adds a referrer to the fallback index of its subject: start empty on 404, refuse a tag that is not an index, no
 * duplicates, artifactType from the manifest (else its config's media type), every annotation copied.
 */
export async function addReferrer(
  remote: Remote,
  manifest: Manifest | Index,
  descriptor: Descriptor,
  signal: AbortSignal,
): Promise<void> {
  const entry: Descriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  const artifactType = manifest.artifactType ?? (isIndex(manifest) ? undefined : manifest.config.mediaType);
  if (artifactType) entry.artifactType = artifactType;
  if (manifest.annotations && Object.keys(manifest.annotations).length) entry.annotations = { ...manifest.annotations };
  await updateFallback(remote, manifest.subject!, signal, (list) =>
    list.some((m) => m.digest === descriptor.digest) ? undefined : [...list, entry],
  );
}

/** Removes a deleted referrer from its subject's fallback index (spec: SHOULD, when the API is missing). */
export async function removeReferrer(
  remote: Remote,
  subject: Descriptor,
  descriptor: Descriptor,
  signal: AbortSignal,
): Promise<void> {
  await updateFallback(remote, subject, signal, (list) =>
    list.some((m) => m.digest === descriptor.digest) ? list.filter((m) => m.digest !== descriptor.digest) : undefined,
  );
}

/**
 * How long a fallback-index writer waits before its last check, on registries that ignore conditional requests:
 * longer than another client's read-modify-write of the index takes (tens of ms normally, ~1 s on a loaded machine).
 */
const SETTLE_MS = 1500;
/** Read-modify-write rounds of one fallback update before giving up on the contention. */
const UPDATE_ROUNDS = 8;

/** In-process writers of one fallback index take turns; across processes, conditional requests and re-checks. */
const fallbackLocks = new Map<string, Promise<void>>();

type Change = (manifests: Descriptor[]) => Descriptor[] | undefined;

/**
 * Read-modify-write of a fallback index. The update is conditional (If-Match on the ETag) and retried on 412; where
 * the registry ignores conditions, the write is re-read after a short random pause and redone if another writer's
 * update replaced ours (`change` returns undefined when the index already says what we want).
 */
async function updateFallback(remote: Remote, subject: Descriptor, signal: AbortSignal, change: Change) {
  const key = `${remote.http.base.href}|${remote.name}|${subject.digest}`;
  const previous = fallbackLocks.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const chained = previous.then(() => mine);
  fallbackLocks.set(key, chained);
  await previous;
  try {
    const tag = referrersTag(subject.digest);
    const read = async () => {
      const fallback = await readFallback(remote, subject, signal);
      if (!fallback.foreign) return fallback;
      // The spec: a fallback tag that is not a referrers index SHOULD be reported, not overwritten.
      throw new OciError("MANIFEST_INVALID", `the referrers tag ${tag} holds ${fallback.foreign}: not overwritten`, {
        detail: { tag, subject: subject.digest },
      });
    };
    for (let round = 0; round < UPDATE_ROUNDS; round++) {
      const current = await read();
      const next = change(current.index.manifests);
      if (next === undefined && round === 0) return;
      if (next !== undefined && !(await writeFallback(remote, { tag, current, next, signal }))) continue;
      // Re-read, twice: a writer elsewhere that read the index before our PUT writes its stale copy within its own
      // read-modify-write cycle, so a second look after SETTLE_MS (longer than such a cycle, even on a loaded
      // machine) catches what a quick look would miss. Both must still show our change.
      // (An ETag proves nothing here: distribution sends one and ignores If-Match.)
      await delay(50 + Math.random() * 150, signal);
      if (change((await read()).index.manifests) !== undefined) continue;
      await delay(SETTLE_MS + Math.random() * 250, signal);
      if (change((await read()).index.manifests) === undefined) return;
    }
    throw new OciError("PROTOCOL", `could not update the referrers index ${tag}: too much contention`);
  } finally {
    release();
    if (fallbackLocks.get(key) === chained) fallbackLocks.delete(key);
  }
}

/** PUTs a new fallback index, conditional on the one read; false when another writer came first (412). */
async function writeFallback(
  remote: Remote,
  write: { tag: string; current: Fallback; next: Descriptor[]; signal: AbortSignal },
): Promise<boolean> {
  const bytes = new TextEncoder().encode(JSON.stringify({ ...write.current.index, manifests: write.next }));
  try {
    await sendManifest(remote, {
      bytes,
      descriptor: await describeManifest(bytes, OCI_INDEX),
      reference: write.tag,
      ifMatch: write.current.etag,
      signal: write.signal,
    });
    return true;
  } catch (error) {
    if ((error as OciError).status === 412) return false;
    throw error;
  }
}
