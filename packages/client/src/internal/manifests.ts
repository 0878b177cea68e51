// Manifest requests: resolve a tag (HEAD first, GET when the registry does not give a digest), and fetch a
// manifest by digest, capped and verified before anything is parsed (koci followed children of unverified,
// uncapped manifests: koci.md §5.4 item 14).
import {
  baseMediaType,
  createHasher,
  type Descriptor,
  type Digest,
  digestMismatch,
  isDigest,
  isManifestOrIndexMediaType,
  MANIFEST_ACCEPT,
  manifestMediaType,
  OciError,
  parseManifest,
  readAll,
  sizeMismatch,
  verifiableAlgorithm,
} from "@toci/spec-types";
import { PULL, repositoryScope } from "./auth/scope.js";
import type { RegistryContext } from "./context.js";
import { discard } from "./http.js";

/** Manifests fetched by digest during one repository object's life, so a pull after resolve does not GET twice. */
export class ManifestCache {
  readonly #entries = new Map<string, Uint8Array>();
  readonly #max: number;
  constructor(max = 64) {
    this.#max = max;
  }
  get(digest: string): Uint8Array | undefined {
    return this.#entries.get(digest);
  }
  set(digest: string, bytes: Uint8Array): void {
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(digest, bytes);
  }
}

/** The Accept header for a manifest known to have `mediaType`: that type first, then every other one. */
function acceptFor(mediaType: string | undefined): string {
  return mediaType && isManifestOrIndexMediaType(mediaType) && !MANIFEST_ACCEPT.startsWith(mediaType)
    ? `${mediaType}, ${MANIFEST_ACCEPT}`
    : MANIFEST_ACCEPT;
}

/**
 * Resolves a tag or digest to the descriptor of what the registry serves for it. HEAD with every manifest type in
 * Accept (2.8.2 serves OCI types only when asked for exactly: registry-recipes.md §10.1); GET when the HEAD fails or
 * lacks Docker-Content-Digest, Content-Type or Content-Length (spec-checklist.md §3.7), hashing the body.
 */
export async function resolveManifest(
  context: RegistryContext,
  repository: string,
  reference: string,
  cache: ManifestCache,
  signal: AbortSignal,
): Promise<Descriptor> {
  const path = `${repository}/manifests/${reference}`;
  const scopes = [repositoryScope(repository, PULL)];
  const head = await context.http.send({
    method: "HEAD",
    path,
    headers: { accept: MANIFEST_ACCEPT },
    scopes,
    signal,
  });
  await discard(head);
  if (head.status === 401 || head.status === 403) {
    throw await context.http.error(head, "HEAD", context.http.url(path), "MANIFEST_UNKNOWN");
  }
  if (head.status === 200) {
    const digest = head.headers.get("docker-content-digest") ?? "";
    const mediaType = baseMediaType(head.headers.get("content-type"));
    const size = Number(head.headers.get("content-length") ?? Number.NaN);
    const byDigest = isDigest(reference);
    if (
      isDigest(digest) &&
      isManifestOrIndexMediaType(mediaType) &&
      Number.isSafeInteger(size) &&
      size >= 0 &&
      (!byDigest || digest === reference)
    ) {
      if (size > context.options.maxManifestBytes) throw tooLarge(size, context.options.maxManifestBytes);
      return { mediaType, digest: digest as Digest, size };
    }
    context.logger.debug("HEAD gave no usable digest, falling back to GET", { repository, reference });
  }
  // GET: the body is hashed, so the descriptor does not rest on headers at all.
  const get = await context.http.send({ method: "GET", path, headers: { accept: MANIFEST_ACCEPT }, scopes, signal });
  if (get.status !== 200) throw await context.http.error(get, "GET", context.http.url(path), "MANIFEST_UNKNOWN");
  const bytes = await readCapped(get.body, get.headers.get("content-length"), context.options.maxManifestBytes);
  const contentType = get.headers.get("content-type");
  const header = get.headers.get("docker-content-digest");
  // Hash with the algorithm the registry or the reference names (sha256 unless told otherwise).
  const wanted = isDigest(reference) ? reference : header && isDigest(header) ? header : undefined;
  const algorithm = (wanted && verifiableAlgorithm(wanted)) || "sha256";
  const hasher = await createHasher(algorithm);
  hasher.update(bytes);
  const digest = hasher.digest();
  if (wanted && wanted !== digest) throw digestMismatch({ digest: wanted as Digest }, digest);
  const manifest = parseManifest(bytes, contentType, { maxBytes: context.options.maxManifestBytes });
  cache.set(digest, bytes);
  return { mediaType: manifestMediaType(manifest, contentType), digest, size: bytes.byteLength };
}

/**
 * The bytes of a manifest by descriptor: from `data` when embedded, the cache, or a GET by digest; always checked
 * against the descriptor's size and digest, and capped before they are read.
 */
export async function fetchManifestBytes(
  context: RegistryContext,
  repository: string,
  descriptor: Descriptor,
  cache: ManifestCache,
  signal: AbortSignal,
): Promise<Uint8Array> {
  if (descriptor.size > context.options.maxManifestBytes) {
    throw tooLarge(descriptor.size, context.options.maxManifestBytes);
  }
  const cached = cache.get(descriptor.digest);
  if (cached && cached.byteLength === descriptor.size) return cached;
  const path = `${repository}/manifests/${descriptor.digest}`;
  const response = await context.http.send({
    method: "GET",
    path,
    headers: { accept: acceptFor(descriptor.mediaType) },
    scopes: [repositoryScope(repository, PULL)],
    signal,
  });
  if (response.status !== 200) {
    throw await context.http.error(response, "GET", context.http.url(path), "MANIFEST_UNKNOWN");
  }
  const bytes = await readCapped(response.body, response.headers.get("content-length"), descriptor.size);
  await verifyBytes(descriptor, bytes);
  cache.set(descriptor.digest, bytes);
  return bytes;
}

/** Checks bytes against a descriptor's size and digest. */
export async function verifyBytes(descriptor: Pick<Descriptor, "digest" | "size">, bytes: Uint8Array): Promise<void> {
  if (bytes.byteLength !== descriptor.size) throw sizeMismatch(descriptor, bytes.byteLength, false);
  const algorithm = verifiableAlgorithm(descriptor.digest);
  if (!algorithm) throw new OciError("UNSUPPORTED", `cannot verify ${descriptor.digest}`);
  const hasher = await createHasher(algorithm);
  hasher.update(bytes);
  const actual = hasher.digest();
  if (actual !== descriptor.digest) throw digestMismatch(descriptor, actual);
}

/** Reads a body of at most `max` bytes, refusing early on a Content-Length above it. */
async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  contentLength: string | null,
  max: number,
): Promise<Uint8Array> {
  const declared = Number(contentLength ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    await body?.cancel().catch(() => {});
    throw tooLarge(declared, max);
  }
  if (!body) return new Uint8Array();
  try {
    return await readAll(body, max);
  } catch (error) {
    if ((error as OciError).code === "TOO_LARGE") throw tooLarge(Number.NaN, max);
    throw error;
  }
}

function tooLarge(size: number, max: number): OciError {
  return new OciError(
    "MANIFEST_INVALID",
    `manifest ${Number.isFinite(size) ? `of ${size} bytes ` : ""}exceeds the ${max}-byte cap`,
    { detail: { limit: max, ...(Number.isFinite(size) ? { size } : {}) } },
  );
}
