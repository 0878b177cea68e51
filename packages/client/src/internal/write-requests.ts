// The requests that change a repository's manifests and blobs: a manifest PUT (its exact bytes, several tags where
// the registry honours `?tag=`, conditional for a read-modify-write) and a DELETE. Kept apart from the reading core
// (remote.ts) so that an app that only pulls (@toci/client/pull) does not ship them.
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests
import { type Descriptor, OciError } from "@toci/spec-types";
import { DELETE, PULL, PUSH } from "./auth/scope.js";
import { discard } from "./http.js";
import type { Remote } from "./remote.js";

/** A manifest PUT: its exact bytes, as `reference` (a tag or its digest). */
export interface ManifestPut {
  bytes: Uint8Array;
  descriptor: Descriptor;
  reference: string;
  /** More tags in the same request (`?tag=`, distribution-spec main), where the registry supports it. */
  tags?: readonly string[];
  /** Conditional on the manifest's current ETag (a read-modify-write). */
  ifMatch?: string;
  signal: AbortSignal;
}

/** What the registry said to a manifest PUT. */
export interface ManifestPutAnswer {
  /** Tags the registry confirmed with OCI-Tag. */
  tags: string[];
  /** Whether the registry indexes the manifest's subject itself (OCI-Subject): no fallback tag to maintain. */
  subjectIndexed: boolean;
}

/** PUTs manifest bytes (Content-Type = their media type) and checks the digest the registry gives back. */
export async function sendManifest(remote: Remote, put: ManifestPut): Promise<ManifestPutAnswer> {
  const { descriptor, tags = [] } = put;
  const query = tags.length ? `?${tags.map((t) => `tag=${encodeURIComponent(t)}`).join("&")}` : "";
  const path = `${remote.path("manifests", put.reference)}${query}`;
  const headers: Record<string, string> = { "content-type": descriptor.mediaType };
  if (put.ifMatch !== undefined) headers["if-match"] = put.ifMatch;
  const response = await remote.http.send({
    method: "PUT",
    path,
    headers,
    body: put.bytes,
    scopes: remote.scopes(PULL, PUSH),
    signal: put.signal,
  });
  if (response.status !== 201 && response.status !== 200 && response.status !== 202) {
    throw await remote.error(response, "PUT", path, "MANIFEST_INVALID");
  }
  await discard(response);
  const digest = response.headers.get("docker-content-digest");
  if (digest && digest !== descriptor.digest) {
    throw new OciError(
      "DIGEST_MISMATCH",
      `the registry stored the manifest as ${digest}, expected ${descriptor.digest}`,
    );
  }
  const confirmed = response.headers.get("oci-tag");
  return {
    tags: confirmed ? confirmed.split(",").map((t) => t.trim()) : [],
    subjectIndexed: response.headers.has("oci-subject"),
  };
}

/**
 * DELETEs a manifest or blob by descriptor, or a tag by name where the registry allows it (distribution 2.8.2
 * answers 400: UNSUPPORTED).
 */
export async function sendDelete(remote: Remote, target: Descriptor | string, signal: AbortSignal): Promise<void> {
  const path = typeof target === "string" ? remote.path("manifests", target) : remote.path(target);
  const response = await remote.http.send({ method: "DELETE", path, scopes: remote.scopes(PULL, DELETE), signal });
  if (response.status === 202 || response.status === 200 || response.status === 204) return discard(response);
  const error = await remote.error(response, "DELETE", path, "NOT_FOUND");
  if (typeof target === "string" && (response.status === 400 || response.status === 405)) {
    throw new OciError("UNSUPPORTED", `the registry does not delete tags: ${error.message}`, {
      status: error.status,
      errors: error.errors,
    });
  }
  throw error;
}
