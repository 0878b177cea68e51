// Where the bytes of a blob upload come from, always verified on the way out: a push or a copy sends only bytes that
// hash to the descriptor, and fails with DIGEST_MISMATCH or SIZE_MISMATCH before the registry has the whole body
// (one-shot.ts holds the last bytes back until the verdict). Bytes, Blobs, store blobs and a source registry's blobs
// can be read again from the start; a caller's stream can only move forward. Each is read forward once, as uploads
// ask for the bytes they need next, and opened again from the start (verified again) only when an upload has to go
// back (a resync to an earlier offset): reading per range would re-read from the start every time, quadratic in
// the number of chunks.
import { createVerifier, type Descriptor, OciError, type Store } from "@toci/spec-types";
import type { PushData } from "../../repository-options.js";
import { type OneShot, oneShot } from "./one-shot.js";

export interface BlobSource {
  /** The blob's size. */
  readonly size: number;
  /** Whether any offset can be read again (bytes, Blob, store, registry); a one-shot stream cannot go back. */
  readonly seekable: boolean;
  /** The bytes from `start` (inclusive) to `end` (exclusive), as a stream. */
  range(start: number, end: number): Promise<ReadableStream<Uint8Array>>;
  /**
   * What the source's own bytes failed with in the range last served (a digest or size mismatch, a store that
   * could not read): why a request carrying them failed, whatever the transport made of the body's error.
   */
  readonly failure: OciError | undefined;
  /** Releases what the source holds (cancels a one-shot stream). */
  close(): Promise<void>;
}

/** The caller's data for `expected`, verified against it as it is sent. */
export async function sourceOf(data: PushData, expected: Descriptor): Promise<BlobSource> {
  if (data instanceof Uint8Array) return reopenable(async () => streamOf(data), expected, { verify: true });
  if (typeof Blob !== "undefined" && data instanceof Blob) {
    return reopenable(async () => data.stream() as ReadableStream<Uint8Array>, expected, { verify: true });
  }
  const stream = (data as ReadableStream<Uint8Array>).pipeThrough(await createVerifier(expected));
  return oneShot(stream, expected.size);
}

/** A blob in a store (whose fetch verifies what it streams). */
export function storeSource(store: Store, descriptor: Descriptor): BlobSource {
  return reopenable(() => store.fetch(descriptor), descriptor, { verify: false });
}

/**
 * A blob that can be read again from its start: `open` gives its whole stream, verified here unless the opener
 * verifies it itself (a store).
 */
export function reopenable(
  open: () => Promise<ReadableStream<Uint8Array>>,
  descriptor: Descriptor,
  options: { verify: boolean },
): BlobSource {
  let current: OneShot | undefined;
  return {
    size: descriptor.size,
    seekable: true,
    get failure() {
      return current?.failure;
    },
    async range(start, end) {
      if (!current || start < current.position || current.failure) {
        await current?.close();
        current = undefined;
        let stream = await open();
        if (options.verify) stream = stream.pipeThrough(await createVerifier(descriptor));
        current = oneShot(stream, descriptor.size);
      }
      return current.range(start, end);
    },
    async close() {
      await current?.close();
    },
  };
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.byteLength) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** Reads a stream into one buffer of known length (a chunk that may have to be sent twice). */
export async function bufferOf(stream: ReadableStream<Uint8Array>, length: number): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(length);
  let at = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.byteLength > length) throw new OciError("SIZE_MISMATCH", "more bytes than the chunk holds");
    out.set(value, at);
    at += value.byteLength;
  }
  if (at !== length) throw new OciError("SIZE_MISMATCH", `expected ${length} bytes, got ${at}`);
  return out;
}
