// Writing manifests (distribution-spec "Pushing Manifests"): the exact bytes PUT as they are, the subject's
// referrers fallback index kept up to date when the registry does not index subjects itself, tags (several in one
// request where the registry honours `?tag=`), and deletes that take a referrer out of its subject's index.
import {
  baseDescriptor,
  type Descriptor,
  type Index,
  isManifestOrIndexMediaType,
  isTag,
  type Manifest,
  manifestMediaType,
  OciError,
  parseManifest,
} from "@toci/spec-types";
import { checkDescriptor, isDescriptorLike } from "./checks.js";
import { readStored } from "./graph.js";
import { describeManifest } from "./manifest-bytes.js";
import { addReferrer, removeReferrer } from "./referrers-upkeep.js";
import type { Remote } from "./remote.js";
import { type ManifestPut, type ManifestPutAnswer, sendDelete, sendManifest } from "./write-requests.js";

/** A manifest as `repo.tag` takes it: a descriptor, its exact bytes, or a Manifest or Index to serialise. */
export type ManifestInput = Descriptor | Uint8Array | Manifest | Index;

/** PUTs a manifest, then adds it to its subject's fallback index when the registry did not index it (OCI-Subject). */
export async function putManifest(remote: Remote, put: ManifestPut): Promise<ManifestPutAnswer> {
  const answer = await sendManifest(remote, put);
  const manifest = parseManifest(put.bytes, put.descriptor.mediaType, { maxBytes: remote.options.maxManifestBytes });
  if (manifest.subject && !answer.subjectIndexed) await addReferrer(remote, manifest, put.descriptor, put.signal);
  return answer;
}

/**
 * Tags a manifest: several tags in one PUT with `?tag=` where the registry confirms them all (learnt once per
 * registry), one PUT per tag otherwise.
 */
export async function tagManifest(
  remote: Remote,
  manifest: ManifestInput,
  tags: readonly string[],
  signal: AbortSignal,
): Promise<Descriptor> {
  if (!tags.length || !tags.every(isTag)) {
    throw new OciError("INVALID_ARGUMENT", `invalid tag in ${JSON.stringify(tags)}`);
  }
  const { bytes, descriptor } = await manifestBytes(remote, manifest, signal);
  const { abilities } = remote.http;
  if (tags.length > 1 && abilities.multiTag !== false) {
    const answer = await putManifest(remote, { bytes, descriptor, reference: descriptor.digest, tags, signal });
    const confirmed = new Set(answer.tags);
    abilities.learnMultiTag(tags.every((t) => confirmed.has(t)));
    if (abilities.multiTag) return descriptor;
  }
  for (const reference of tags) await putManifest(remote, { bytes, descriptor, reference, signal });
  return descriptor;
}

/**
 * Deletes a manifest or blob by descriptor, or a tag by name. A deleted manifest with a subject leaves the referrers
 * fallback index too, on a registry without the referrers API.
 */
export async function deleteContent(remote: Remote, target: Descriptor | string, signal: AbortSignal): Promise<void> {
  let subject: Descriptor | undefined;
  if (typeof target === "string") {
    if (!isTag(target)) throw new OciError("INVALID_ARGUMENT", `invalid tag ${JSON.stringify(target)}`);
  } else {
    checkDescriptor(target);
    subject = await subjectOf(remote, target, signal);
  }
  await sendDelete(remote, target, signal);
  if (subject && typeof target !== "string") await removeReferrer(remote, subject, target, signal);
}

/** The subject of a manifest about to be deleted, when its fallback index may name it (best effort). */
async function subjectOf(remote: Remote, target: Descriptor, signal: AbortSignal): Promise<Descriptor | undefined> {
  if (!isManifestOrIndexMediaType(target.mediaType) || remote.http.abilities.referrersApi === true) return undefined;
  const bytes = await remote.manifest(target, signal).catch(() => undefined);
  return bytes ? parseManifest(bytes, target.mediaType).subject : undefined;
}

/** A manifest's exact bytes and descriptor: from the store or the registry for a descriptor; serialised once. */
async function manifestBytes(
  remote: Remote,
  manifest: ManifestInput,
  signal: AbortSignal,
): Promise<{ bytes: Uint8Array; descriptor: Descriptor }> {
  const max = remote.options.maxManifestBytes;
  if (isDescriptorLike(manifest)) {
    checkDescriptor(manifest);
    const { store } = remote;
    const bytes = (await store.exists(manifest))
      ? await readStored(store, manifest, max)
      : await remote.manifest(manifest, signal);
    return { bytes, descriptor: baseDescriptor(manifest) };
  }
  // Bytes are kept exactly; a Manifest or Index object is new content, serialised once, its digest of these bytes.
  const bytes = manifest instanceof Uint8Array ? manifest : new TextEncoder().encode(JSON.stringify(manifest));
  const parsed = parseManifest(bytes, undefined, { maxBytes: max });
  return { bytes, descriptor: await describeManifest(bytes, manifestMediaType(parsed)) };
}
