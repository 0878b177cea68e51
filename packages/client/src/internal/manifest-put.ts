// Putting manifests (distribution-spec "Pushing Manifests"): the exact bytes, Content-Type = the manifest's media
// type, the registry's Docker-Content-Digest checked; and, for a manifest with a `subject` on a registry that does
// not answer OCI-Subject, the referrers fallback index kept up to date (spec "Pushing Manifests with Subject").
import {
  type Descriptor,
  digestOf,
  type Index,
  isIndex,
  type Manifest,
  OCI_INDEX,
  OciError,
  parseManifest,
  readAll,
  referrersTag,
} from "@toci/spec-types";
import { PULL, PUSH, repositoryScope } from "./auth/scope.js";
import type { RegistryContext } from "./context.js";
import { discard } from "./http.js";

export interface PutResult {
  descriptor: Descriptor;
  /** Tags the registry confirmed with OCI-Tag (spec main), when it supports `?tag=`. */
  tags: string[];
}

/** PUTs manifest bytes as `reference` (a tag or the digest), with optional extra tags (`?tag=`, spec main). */
export async function putManifest(
  context: RegistryContext,
  repository: string,
  bytes: Uint8Array,
  descriptor: Descriptor,
  reference: string,
  signal: AbortSignal,
  extraTags: readonly string[] = [],
): Promise<PutResult> {
  const query = extraTags.length ? `?${extraTags.map((t) => `tag=${encodeURIComponent(t)}`).join("&")}` : "";
  const path = `${repository}/manifests/${reference}${query}`;
  const response = await context.http.send({
    method: "PUT",
    path,
    headers: { "content-type": descriptor.mediaType },
    body: bytes,
    scopes: [repositoryScope(repository, PULL, PUSH)],
    signal,
  });
  if (response.status !== 201 && response.status !== 200 && response.status !== 202) {
    throw await context.http.error(response, "PUT", context.http.url(path), "MANIFEST_INVALID");
  }
  await discard(response);
  const digest = response.headers.get("docker-content-digest");
  if (digest && digest !== descriptor.digest) {
    throw new OciError(
      "DIGEST_MISMATCH",
      `the registry stored the manifest as ${digest}, expected ${descriptor.digest}`,
    );
  }
  const tags = response.headers.get("oci-tag");
  const confirmed = tags ? tags.split(",").map((t) => t.trim()) : [];
  // A subject the registry indexes itself (OCI-Subject) needs nothing more; otherwise maintain the fallback tag.
  const manifest = parseManifest(bytes, descriptor.mediaType, { maxBytes: context.options.maxManifestBytes });
  if (manifest.subject && !response.headers.has("oci-subject")) {
    await addReferrer(context, repository, manifest, descriptor, signal);
  }
  return { descriptor, tags: confirmed };
}

/**
 * How long a fallback-index writer waits before its last check, on registries that ignore conditional requests:
 * longer than another client's read-modify-write of the index takes (tens of ms normally, ~1 s on a loaded machine).
 */
const SETTLE_MS = 1500;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    // A follower carries the listener (Node warns past 10 on one AbortSignal), and loses it when the pause ends:
    // Node holds a follower with an abort listener strongly until it aborts, so a listener left behind leaks it.
    const follower = AbortSignal.any([signal]);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      follower.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    follower.addEventListener("abort", onAbort, { once: true });
  });
}

/** In-process writers of one fallback index take turns; across processes, conditional requests and re-checks. */
const fallbackLocks = new Map<string, Promise<void>>();

/**
 * Adds a referrer to the fallback index of its subject: start empty on 404, refuse a tag that is not an index, no
 * duplicates, artifactType from the manifest (else its config's media type), every annotation copied.
 */
export async function addReferrer(
  context: RegistryContext,
  repository: string,
  manifest: Manifest | Index,
  descriptor: Descriptor,
  signal: AbortSignal,
): Promise<void> {
  const entry: Descriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  const artifactType = manifest.artifactType ?? (isIndex(manifest) ? undefined : manifest.config.mediaType);
  if (artifactType) entry.artifactType = artifactType;
  if (manifest.annotations && Object.keys(manifest.annotations).length) entry.annotations = { ...manifest.annotations };
  await updateFallback(context, repository, manifest.subject!, signal, (list) =>
    list.some((m) => m.digest === descriptor.digest) ? undefined : [...list, entry],
  );
}

/** Removes a deleted referrer from its subject's fallback index (spec: SHOULD, when the API is missing). */
export async function removeReferrer(
  context: RegistryContext,
  repository: string,
  subject: Descriptor,
  descriptor: Descriptor,
  signal: AbortSignal,
): Promise<void> {
  await updateFallback(context, repository, subject, signal, (list) =>
    list.some((m) => m.digest === descriptor.digest) ? list.filter((m) => m.digest !== descriptor.digest) : undefined,
  );
}

/**
 * Read-modify-write of a fallback index. The update is conditional (If-Match on the ETag) and retried on 412; where
 * the registry ignores conditions, the write is re-read after a short random pause and redone if another writer's
 * update replaced ours (`change` returns undefined when the index already says what we want).
 */
async function updateFallback(
  context: RegistryContext,
  repository: string,
  subject: Descriptor,
  signal: AbortSignal,
  change: (manifests: Descriptor[]) => Descriptor[] | undefined,
): Promise<void> {
  const key = `${context.http.base.href}|${repository}|${subject.digest}`;
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
    const path = `${repository}/manifests/${tag}`;
    for (let attempt = 0; attempt < 8; attempt++) {
      const current = await readFallback(context, repository, tag, signal);
      const next = change(current.index.manifests);
      if (next === undefined && attempt === 0) return;
      if (next !== undefined) {
        const bytes = new TextEncoder().encode(JSON.stringify({ ...current.index, manifests: next }));
        const headers: Record<string, string> = { "content-type": OCI_INDEX };
        if (current.etag) headers["if-match"] = current.etag;
        const response = await context.http.send({
          method: "PUT",
          path,
          headers,
          body: bytes,
          scopes: [repositoryScope(repository, PULL, PUSH)],
          signal,
        });
        if (response.status === 412) {
          await discard(response);
          continue;
        }
        if (response.status !== 201 && response.status !== 200) {
          throw await context.http.error(response, "PUT", context.http.url(path), "MANIFEST_INVALID");
        }
        await discard(response);
      }
      // Re-read, twice: a writer elsewhere that read the index before our PUT writes its stale copy within its own
      // read-modify-write cycle, so a second look after SETTLE_MS (longer than such a cycle, even on a loaded
      // machine) catches what a quick look would miss. Both must still show our change.
      // (An ETag proves nothing here: distribution sends one and ignores If-Match.)
      await pause(50 + Math.random() * 150, signal);
      const quick = await readFallback(context, repository, tag, signal);
      if (change(quick.index.manifests) !== undefined) continue;
      await pause(SETTLE_MS + Math.random() * 250, signal);
      const settled = await readFallback(context, repository, tag, signal);
      if (change(settled.index.manifests) === undefined) return;
    }
    throw new OciError("PROTOCOL", `could not update the referrers index ${tag}: too much contention`);
  } finally {
    release();
    if (fallbackLocks.get(key) === chained) fallbackLocks.delete(key);
  }
}

/** The fallback index of a subject and its ETag; an empty index when the tag does not exist. */
export async function readFallback(
  context: RegistryContext,
  repository: string,
  tag: string,
  signal: AbortSignal,
): Promise<{ index: Index; etag: string | undefined; exists: boolean }> {
  const path = `${repository}/manifests/${tag}`;
  const response = await context.http.send({
    method: "GET",
    path,
    headers: { accept: OCI_INDEX },
    scopes: [repositoryScope(repository, PULL)],
    signal,
  });
  if (response.status === 404) {
    await discard(response);
    return { index: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }, etag: undefined, exists: false };
  }
  if (response.status !== 200)
    throw await context.http.error(response, "GET", context.http.url(path), "MANIFEST_UNKNOWN");
  const bytes = response.body ? await readAll(response.body, context.options.maxManifestBytes) : new Uint8Array();
  const parsed = parseManifest(bytes, response.headers.get("content-type"), {
    maxBytes: context.options.maxManifestBytes,
  });
  if (!isIndex(parsed)) {
    // The spec: a fallback tag that is not an index SHOULD be reported, not overwritten.
    throw new OciError("MANIFEST_INVALID", `the referrers tag ${tag} holds something other than an index`);
  }
  return { index: parsed, etag: response.headers.get("etag") ?? undefined, exists: true };
}

/** The descriptor of manifest bytes with their media type. */
export async function describeManifest(bytes: Uint8Array, mediaType: string): Promise<Descriptor> {
  return { mediaType, digest: await digestOf(bytes), size: bytes.byteLength };
}
