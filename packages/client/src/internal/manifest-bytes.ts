// Manifest bytes: capped before they are read, checked against their descriptor before anything is parsed (a child
// of an unverified, uncapped manifest is a hostile registry's way into the graph), and kept for a while so that a
// pull after a resolve does not GET them twice.
import {
  createHasher,
  type Descriptor,
  digestMismatch,
  digestOf,
  isManifestOrIndexMediaType,
  MANIFEST_ACCEPT,
  OciError,
  readResponse,
  sizeMismatch,
  type TransportResponse,
  verifiableAlgorithm,
} from "@toci/spec-types";

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
export function acceptFor(mediaType: string | undefined): string {
  return mediaType && isManifestOrIndexMediaType(mediaType) && !MANIFEST_ACCEPT.startsWith(mediaType)
    ? `${mediaType}, ${MANIFEST_ACCEPT}`
    : MANIFEST_ACCEPT;
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

/** Reads a response's body of at most `max` bytes, refusing early on a Content-Length above it. */
export async function readCapped(response: TransportResponse, max: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(declared, max);
  }
  try {
    return await readResponse(response, max);
  } catch (error) {
    if ((error as OciError).code === "TOO_LARGE") throw tooLarge(Number.NaN, max);
    throw error;
  }
}

/** A manifest over the cap: MANIFEST_INVALID, as parseManifest reports it. */
export function tooLarge(size: number, max: number): OciError {
  return new OciError(
    "MANIFEST_INVALID",
    `manifest ${Number.isFinite(size) ? `of ${size} bytes ` : ""}exceeds the ${max}-byte cap`,
    { detail: { limit: max, ...(Number.isFinite(size) ? { size } : {}) } },
  );
}

/** The descriptor of manifest bytes with their media type. */
export async function describeManifest(bytes: Uint8Array, mediaType: string): Promise<Descriptor> {
  return { mediaType, digest: await digestOf(bytes), size: bytes.byteLength };
}
