// Verifying a blob whole, by WebCrypto, instead of hashing it as its bytes arrive. WebCrypto has no incremental
// digest (https://w3c.github.io/webcrypto/#SubtleCrypto-method-digest takes the whole input), so outside Node a
// streamed blob is hashed by hash-wasm, in JavaScript's thread: ~160 MB/s in Chromium here, the largest single cost
// of a browser pull (1.6 s of CPU per 256 MiB). WebCrypto digests native-fast (SHA extensions where the CPU has
// them: ~750 MB/s measured with its copy of the input), so a browser store verifies a blob up to a bound by reading
// its bytes back whole at commit. Chromium digests on the calling thread (a ~90 ms task per 64 MiB), so stores do
// it in workers. The bound is memory: the bytes read back, and WebCrypto's copy of them, twice the blob's size for
// the length of the digest.
import type { Descriptor } from "./descriptor.js";
import { OciError } from "./errors.js";
import type { HashAlgorithm } from "./hasher.js";
import { digestMismatch, sizeMismatch } from "./verify.js";

/**
 * The default bound of {@link digestsWhole}: 128 MiB, so at most 256 MiB held for a moment per thread that verifies
 * (one digest at a time each: {@link wholeDigestTurn}), and most container layers (tens of MiB) and the bench's
 * 64 MiB ones verified by WebCrypto.
 */
export const WHOLE_DIGEST_MAX = 128 * 1024 * 1024;
/** The largest bound a store takes: 1 GiB, twice of which is held while it digests; browsers cap ArrayBuffers near. */
const WHOLE_DIGEST_LIMIT = 1024 * 1024 * 1024;

/**
 * A store's `wholeDigestMax` option, normalised: the default when absent; INVALID_ARGUMENT unless whole bytes from 0
 * to 1 GiB.
 */
export function wholeDigestBound(max: number | undefined): number {
  if (max === undefined) return WHOLE_DIGEST_MAX;
  if (!Number.isSafeInteger(max) || max < 0 || max > WHOLE_DIGEST_LIMIT) {
    throw new OciError("INVALID_ARGUMENT", `wholeDigestMax must be a whole number of bytes up to 1 GiB, got ${max}`);
  }
  return max;
}

/** This thread's whole-blob verifications, one after another. */
let turns: Promise<unknown> = Promise.resolve();

/**
 * Runs `verify` (a blob read back whole and digested) once the ones before it on this thread are done, so that a
 * thread holds one blob's bytes at a time whatever number of blobs commit at once.
 */
export function wholeDigestTurn<T>(verify: () => Promise<T>): Promise<T> {
  const run = turns.then(verify);
  turns = run.catch(() => {});
  return run;
}

/** Whether a failed verification found the content wrong (drop it) rather than failed to read it (keep it). */
export function isContentMismatch(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "DIGEST_MISMATCH" || code === "SIZE_MISMATCH";
}

/** WebCrypto's names of the algorithms (https://w3c.github.io/webcrypto/#sha). */
const SUBTLE_NAMES: Record<HashAlgorithm, string> = { sha256: "SHA-256", sha512: "SHA-512" };

/**
 * Whether a blob of `size` bytes is verified whole at commit rather than hashed as it is written: up to `max`, and
 * where WebCrypto exists (secure contexts only: https, or a loopback origin; elsewhere every blob is streamed).
 */
export function digestsWhole(size: number, max: number = WHOLE_DIGEST_MAX): boolean {
  return size <= max && globalThis.crypto?.subtle !== undefined;
}

/**
 * Throws SIZE_MISMATCH or DIGEST_MISMATCH unless `bytes` (the whole blob) are what `descriptor` names, digested by
 * WebCrypto. The caller holds `bytes`; WebCrypto copies them while it digests.
 */
export async function checkWholeDigest(
  descriptor: Pick<Descriptor, "digest" | "size">,
  algorithm: HashAlgorithm,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<void> {
  if (bytes.byteLength !== descriptor.size) throw sizeMismatch(descriptor, bytes.byteLength, false);
  const sum = new Uint8Array(await crypto.subtle.digest(SUBTLE_NAMES[algorithm], bytes));
  const actual = `${algorithm}:${Array.from(sum, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  if (actual !== descriptor.digest) throw digestMismatch(descriptor, actual);
}
