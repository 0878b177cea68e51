// Content helpers of the store conformance suite, exported for store-specific tests through store-suite.ts.
import {
  createHasher,
  type Descriptor,
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_MANIFEST,
  digestOf,
  type Ingest,
  isOciError,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  OCTET_STREAM,
  readAll,
  type Store,
  writeBlob,
} from "@toci/spec-types";
import { expect } from "vitest";

export const MiB = 1024 * 1024;
export const encoder = new TextEncoder();

/** Deterministic pseudo-random bytes (xorshift32), in chunks of at most `chunkSize`: never held whole. */
export function* pattern(size: number, seed: number, chunkSize = 1 * MiB): Generator<Uint8Array> {
  let state = seed >>> 0 || 1;
  const words = new Uint32Array(chunkSize / 4);
  const bytes = new Uint8Array(words.buffer);
  for (let at = 0; at < size; at += chunkSize) {
    for (let i = 0; i < words.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      words[i] = state;
    }
    yield bytes.subarray(0, Math.min(chunkSize, size - at)); // one reused buffer: consumers must copy
  }
}

/** Writes {@link pattern}'s bytes into `ingest` from its offset on (what a resumed pull writes), in chunks. */
export async function writePattern(ingest: Ingest, size: number, seed: number): Promise<void> {
  const from = ingest.offset;
  let at = 0;
  for (const chunk of pattern(size, seed)) {
    const skip = Math.max(0, Math.min(chunk.length, from - at));
    at += chunk.length;
    if (skip < chunk.length) await ingest.write(chunk.subarray(skip));
  }
}

/**
 * Ingests `size` bytes of {@link pattern} while the storage has only `room` bytes left (by the usage the browser
 * reports: a test clears what earlier tests left, whose space a browser may still count), then closes the ingest (as a
 * pull does after a failure that is not the content's) and restores the storage. `setQuota` sets the origin's quota
 * (a browser test does it through DevTools' Storage.overrideQuotaForOrigin), or restores it when given undefined.
 * Resolves the descriptor and what the writes or the commit threw.
 */
export async function ingestPastQuota(
  store: Store,
  content: { size: number; seed: number; room: number },
  setQuota: (bytes: number | undefined) => Promise<void>,
): Promise<{ descriptor: Descriptor; error: unknown }> {
  const descriptor = await describePattern(content.size, content.seed);
  const usage = (await navigator.storage.estimate()).usage ?? 0;
  await setQuota(usage + content.room);
  try {
    const ingest = await store.ingest(descriptor);
    const error = await writePattern(ingest, content.size, content.seed)
      .then(() => ingest.commit())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    await ingest.close();
    return { descriptor, error };
  } finally {
    await setQuota(undefined);
  }
}

/** Random bytes (crypto.getRandomValues fills at most 65 536 bytes a call). */
export function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
  return bytes;
}

/**
 * A byte stream (what a fetch response body is) of `bytes` in pieces of `piece` bytes (300 000 by default: not a
 * divisor of a store's buffers), then closed, or failed with `fail`; `seen.cancelled` tells whether it was cancelled.
 */
export function byteBody(
  bytes: Uint8Array,
  options: { piece?: number; fail?: Error } = {},
): { body: ReadableStream<Uint8Array>; seen: { cancelled: boolean } } {
  let at = 0;
  const seen = { cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    type: "bytes",
    pull(controller) {
      if (at >= bytes.byteLength) {
        if (options.fail) controller.error(options.fail);
        else controller.close();
        (controller as ReadableByteStreamController).byobRequest?.respond(0);
        return;
      }
      const n = Math.min(options.piece ?? 300_000, bytes.byteLength - at);
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { body, seen };
}

/** The descriptor of {@link pattern}'s bytes, computed by streaming them once. */
export async function describePattern(size: number, seed: number): Promise<Descriptor> {
  const hasher = await createHasher("sha256");
  for (const chunk of pattern(size, seed)) hasher.update(chunk);
  return { mediaType: OCTET_STREAM, digest: hasher.digest(), size };
}

/** The descriptor of some bytes. */
export async function describeBytes(bytes: Uint8Array, mediaType = OCTET_STREAM): Promise<Descriptor> {
  return { mediaType, digest: await digestOf(bytes), size: bytes.byteLength };
}

/** Stores bytes and returns their descriptor. */
export async function put(store: Store, bytes: Uint8Array, mediaType = OCTET_STREAM): Promise<Descriptor> {
  const d = await describeBytes(bytes, mediaType);
  await writeBlob(store, d, bytes);
  return d;
}

/** Stores a JSON document (compact) and returns its descriptor. */
export function putJson(store: Store, mediaType: string, value: unknown): Promise<Descriptor> {
  return put(store, encoder.encode(JSON.stringify(value)), mediaType);
}

/** A stored single-platform image: its manifest, config and one layer. */
export interface Image {
  manifest: Descriptor;
  config: Descriptor;
  layer: Descriptor;
}

/** Stores a small image (OCI, or Docker schema 2) whose blobs are unique to `name`. */
export async function putImage(store: Store, name: string, docker = false): Promise<Image> {
  const config = await putJson(store, docker ? DOCKER_CONFIG : OCI_CONFIG, {
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [] },
    config: { Labels: { name } },
  });
  const layer = await put(store, encoder.encode(`layer of ${name}`), docker ? DOCKER_LAYER : OCI_LAYER_GZIP);
  const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = await putJson(store, mediaType, { schemaVersion: 2, mediaType, config, layers: [layer] });
  return { manifest, config, layer };
}

/** Stores an artifact manifest whose `subject` is `subject` (a signature, an SBOM). */
export async function putReferrer(store: Store, subject: Descriptor, name: string): Promise<Image> {
  const config = await put(store, encoder.encode("{}"), OCI_EMPTY);
  const layer = await put(store, encoder.encode(`payload of ${name}`), "application/vnd.example.payload");
  const manifest = await putJson(store, OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: "application/vnd.example.signature",
    config,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { name },
  });
  return { manifest, config, layer };
}

/** Reads a whole blob (small ones: the suite's large case streams instead). */
export async function fetchBytes(store: Store, d: Descriptor): Promise<Uint8Array> {
  return readAll(await store.fetch(d), 16 * MiB);
}

export async function fetchText(store: Store, d: Descriptor): Promise<string> {
  return new TextDecoder().decode(await fetchBytes(store, d));
}

export async function expectNothing(store: Store, d: Descriptor): Promise<void> {
  expect(await store.exists(d)).toBe(false);
  await expectCode(store.fetch(d), "NOT_FOUND");
}

/** Expects a promise to reject with an OciError of the given code. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected an OciError ${code}`).toBeDefined();
  expect(isOciError(caught) ? caught.code : caught).toBe(code);
}
