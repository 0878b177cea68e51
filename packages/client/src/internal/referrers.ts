// Referrers, read and maintained (distribution-spec "Listing Referrers" and "Pushing Manifests with Subject"):
// the referrers API when the registry has it (pages through the one pager, filtered here when OCI-Filters-Applied
// lacks artifactType); otherwise the fallback tag `<alg>-<hex>`, an index kept up to date on push and delete. Whether
// the API exists is learnt once per registry.
import {
  type Descriptor,
  type Index,
  isIndex,
  type Manifest,
  OCI_INDEX,
  OciError,
  parseManifest,
  referrersTag,
} from "@toci/spec-types";
import { PULL } from "./auth/scope.js";
import { judgeFallback } from "./fallback-index.js";
import { discard } from "./http.js";
import { describeManifest, readCapped } from "./manifest-bytes.js";
import { pages } from "./pager.js";
import type { Remote } from "./remote.js";
import { delay } from "./signals.js";

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
    await remote.putManifest({
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

/** A fallback index as read, with its ETag; `foreign` says why the tag's content is not one (then it is empty). */
interface Fallback {
  tag: string;
  index: Index;
  etag: string | undefined;
  foreign?: string;
}

/** The fallback index of a subject and its ETag; an empty index when the tag does not exist. */
async function readFallback(remote: Remote, subject: Descriptor, signal: AbortSignal): Promise<Fallback> {
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
