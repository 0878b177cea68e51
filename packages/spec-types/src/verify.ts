// Verification at the boundary (docs/architecture.md §4 item 5): every byte stream that enters or leaves a store or a
// transport passes a counter and an incremental hash, and fails rather than end cleanly on the wrong content.
// Declared sizes are never used to pre-allocate: an attacker controls them.
import { createHasher } from "#hasher";
import type { Descriptor } from "./descriptor.js";
import { type Digest, parseDigest, verifiableAlgorithm } from "./digest.js";
import { OciError, toOciError } from "./errors.js";
import type { HashAlgorithm, Hasher } from "./hasher.js";
import { OCTET_STREAM } from "./media-types.js";
import type { BlobIngester } from "./store.js";
import { isWholeBodyResponse, type TransportResponse } from "./transport.js";

/** Options for {@link createVerifier}. */
export interface VerifierOptions {
  /**
   * Bytes of the content already verified elsewhere and hashed into `hasher` (resuming a partial download).
   * @default 0
   */
  offset?: number;
  /** A hasher that already holds the first `offset` bytes. Required when `offset` > 0. */
  hasher?: Hasher;
}

/**
 * A TransformStream that passes bytes through unchanged while counting and hashing them. It errors with
 * `SIZE_MISMATCH` as soon as more bytes than `descriptor.size` arrive, and at the end with `SIZE_MISMATCH` when
 * fewer arrived or `DIGEST_MISMATCH` when the digest differs. A digest of an algorithm toci cannot compute
 * (fits the grammar, unregistered) is refused up front with `UNSUPPORTED`.
 */
export async function createVerifier(
  descriptor: Pick<Descriptor, "digest" | "size">,
  options: VerifierOptions = {},
): Promise<TransformStream<Uint8Array, Uint8Array>> {
  const algorithm = requireVerifiable(descriptor.digest);
  if ((options.offset ?? 0) > 0 && !options.hasher) {
    throw new OciError("INVALID_ARGUMENT", "a verifier that starts past offset 0 needs the hasher of the prefix");
  }
  const hasher = options.hasher ?? (await createHasher(algorithm));
  let seen = options.offset ?? 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > descriptor.size) {
        controller.error(sizeMismatch(descriptor, seen, true));
        return;
      }
      hasher.update(chunk);
      controller.enqueue(chunk);
    },
    flush(controller) {
      if (seen !== descriptor.size) {
        controller.error(sizeMismatch(descriptor, seen, false));
        return;
      }
      const actual = hasher.digest();
      if (actual !== descriptor.digest) controller.error(digestMismatch(descriptor, actual));
    },
  });
}

/** The algorithm of a digest, or an `UNSUPPORTED` (unknown algorithm) / `DIGEST_INVALID` (bad digest) error. */
export function requireVerifiable(digest: string): HashAlgorithm {
  parseDigest(digest);
  const algorithm = verifiableAlgorithm(digest);
  if (!algorithm) {
    throw new OciError("UNSUPPORTED", `cannot verify ${digest}: toci computes sha256 and sha512 only`);
  }
  return algorithm;
}

/**
 * The algorithm an ingest of `descriptor` is verified with, after checking what every store checks before it opens a
 * writer: a digest it can verify (`UNSUPPORTED`, `DIGEST_INVALID`) and a size that is a byte count
 * (`INVALID_ARGUMENT`: negative, fractional or beyond 2^53 - 1).
 */
export function requireIngestable(descriptor: Pick<Descriptor, "digest" | "size">): HashAlgorithm {
  const algorithm = requireVerifiable(descriptor.digest);
  if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
    throw new OciError("INVALID_ARGUMENT", `${descriptor.digest}: size ${descriptor.size} is not a byte count`);
  }
  return algorithm;
}

/** Throws SIZE_MISMATCH when `length` more bytes would take an ingest of `descriptor` holding `held` past its size. */
export function checkAppend(descriptor: Pick<Descriptor, "digest" | "size">, held: number, length: number): void {
  if (held + length > descriptor.size) throw sizeMismatch(descriptor, held + length, true);
}

/**
 * Throws SIZE_MISMATCH or DIGEST_MISMATCH unless the `size` bytes `hasher` saw are the blob `descriptor` names:
 * what every store checks before a commit makes a blob visible. Finishes `hasher`.
 */
export function checkComplete(descriptor: Pick<Descriptor, "digest" | "size">, size: number, hasher: Hasher): void {
  if (size !== descriptor.size) throw sizeMismatch(descriptor, size, false);
  const actual = hasher.digest();
  if (actual !== descriptor.digest) throw digestMismatch(descriptor, actual);
}

/** The error for content of the wrong length. `early` when the content ran past the declared size. */
export function sizeMismatch(
  descriptor: Pick<Descriptor, "digest" | "size">,
  actual: number,
  early: boolean,
): OciError {
  return new OciError(
    "SIZE_MISMATCH",
    early
      ? `${descriptor.digest}: more than the expected ${descriptor.size} bytes`
      : `${descriptor.digest}: expected ${descriptor.size} bytes, got ${actual}`,
    { detail: { digest: descriptor.digest, expected: descriptor.size, actual } },
  );
}

/** The error for content that hashes to another digest. */
export function digestMismatch(descriptor: Pick<Descriptor, "digest">, actual: string): OciError {
  return new OciError("DIGEST_MISMATCH", `expected ${descriptor.digest}, content hashes to ${actual}`, {
    detail: { expected: descriptor.digest, actual },
  });
}

/** Content toci can describe: bytes, a Blob, or a stream (read once). */
export type DescribableContent = Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | string;

/** Options for {@link describe}. */
export interface DescribeOptions {
  /** @default "application/octet-stream" */
  mediaType?: string;
  /** @default "sha256" */
  algorithm?: HashAlgorithm;
  /** Extra descriptor fields (annotations, artifactType, platform). */
  annotations?: Record<string, string>;
}

/**
 * Computes the descriptor of some content, streaming (koci's `Descriptor.fromInputStream`): its digest and
 * size, with the given media type. A stream is consumed.
 */
export async function describe(content: DescribableContent, options: DescribeOptions = {}): Promise<Descriptor> {
  const hasher = await createHasher(options.algorithm ?? "sha256");
  let size = 0;
  for await (const chunk of chunksOf(content)) {
    hasher.update(chunk);
    size += chunk.byteLength;
  }
  const descriptor: Descriptor = { mediaType: options.mediaType ?? OCTET_STREAM, digest: hasher.digest(), size };
  if (options.annotations) descriptor.annotations = { ...options.annotations };
  return descriptor;
}

/** Computes the digest of bytes. */
export async function digestOf(bytes: Uint8Array | string, algorithm: HashAlgorithm = "sha256"): Promise<Digest> {
  const hasher = await createHasher(algorithm);
  hasher.update(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
  return hasher.digest();
}

/** The chunks of some content, in order, without copying bytes that are already a Uint8Array. */
export async function* chunksOf(content: DescribableContent): AsyncGenerator<Uint8Array> {
  if (typeof content === "string") yield new TextEncoder().encode(content);
  else if (content instanceof Uint8Array) yield content;
  else if (content instanceof ArrayBuffer) yield new Uint8Array(content);
  else if (typeof Blob !== "undefined" && content instanceof Blob) yield* readStream(content.stream());
  else yield* readStream(content as ReadableStream<Uint8Array>);
}

async function* readStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Reads a whole stream into one buffer, refusing with `TOO_LARGE` past `maxBytes` (cancelling the stream) so that
 * a hostile or broken peer cannot make toci allocate without bound.
 */
export async function readAll(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  // The lock is kept, also when a read fails: the stream is read to its end, cancelled or errored here, and no one
  // reads it again. (Node 20 builds a "Reader released" TypeError at each releaseLock(), and the first one in a
  // process creates a whole new V8 context for it: 5–30 ms of a `toci pull`'s start-up.)
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * A response's whole body, at most `maxBytes` (TOO_LARGE past it, as {@link readAll}): without a stream when the
 * transport can ({@link isWholeBodyResponse}), else read from the body stream. An empty array when there is no body.
 */
export async function readResponse(response: TransportResponse, maxBytes: number): Promise<Uint8Array> {
  if (!isWholeBodyResponse(response)) {
    return response.body ? readAll(response.body, maxBytes) : new Uint8Array(0);
  }
  const bytes = await response.bytes(maxBytes);
  if (bytes === undefined) throw tooLarge(maxBytes);
  return bytes;
}

function tooLarge(maxBytes: number): OciError {
  return new OciError("TOO_LARGE", `content is larger than the ${maxBytes}-byte limit`, {
    detail: { limit: maxBytes },
  });
}

/**
 * Writes content into a store's ingester and commits it: the whole ingest protocol in one call, for callers that
 * have the bytes at hand. Resumes a partial the store holds by skipping what it already has. On any failure the
 * ingest is aborted and the error (an OciError) rethrown.
 */
export async function writeBlob(
  ingester: BlobIngester,
  descriptor: Descriptor,
  content: DescribableContent,
): Promise<void> {
  const ingest = await ingester.ingest(descriptor);
  try {
    let skip = ingest.offset;
    if (skip < descriptor.size || descriptor.size === 0) {
      for await (const chunk of chunksOf(content)) {
        if (skip >= chunk.byteLength) {
          skip -= chunk.byteLength;
          continue;
        }
        await ingest.write(skip > 0 ? chunk.subarray(skip) : chunk);
        skip = 0;
      }
    }
    await ingest.commit();
  } catch (error) {
    await ingest.abort().catch(() => {});
    throw toOciError(error, "STORE");
  }
}
