// A blob's bytes, as stored: the values `[digest, ingestId, 0..count)` of the `chunks` object store, each a Blob
// (older databases may hold Uint8Array values: both are read). Read one value at a time and streamed out of it, so a
// blob of any size is never held whole, and a 64 MiB value is never held whole either.
import { type Digest, OciError } from "@toci/spec-types";
import { get, type UseStore } from "idb-keyval";

export type ChunkKey = [Digest, string, number];

/** Every chunk of one ingest: `[digest, ingestId, 0]` up to any index. */
export function chunkRange(digest: Digest, ingestId: string): IDBKeyRange {
  return IDBKeyRange.bound([digest, ingestId, 0], [digest, ingestId, Number.POSITIVE_INFINITY]);
}

/** Every `[digest, ingestId]` key of a digest: array keys compare element-wise, and [] sorts after every string. */
export function partialRange(digest: Digest): IDBKeyRange {
  return IDBKeyRange.bound([digest, ""], [digest, []]);
}

async function chunkValue(chunks: UseStore, key: ChunkKey): Promise<Blob | Uint8Array> {
  const value = await get<Blob | Uint8Array>(key, chunks);
  if (value === undefined) throw new OciError("STORE", `chunk ${key.join("/")} is missing`);
  return value;
}

/**
 * The bytes of `count` chunks, in order, as a stream pulled by its consumer: one chunk's reader open at a time.
 * `signal` ends it with ABORTED.
 */
export function chunkStream(
  chunks: UseStore,
  key: { digest: Digest; ingestId: string; count: number },
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  let next = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (signal?.aborted) throw new OciError("ABORTED", "the read was aborted", { cause: signal.reason });
        for (;;) {
          if (reader) {
            const { done, value } = await reader.read();
            if (!done) return controller.enqueue(value);
            reader = undefined;
          }
          if (next >= key.count) return controller.close();
          const value = await chunkValue(chunks, [key.digest, key.ingestId, next++]);
          if (value instanceof Uint8Array) return controller.enqueue(value);
          reader = value.stream().getReader();
        }
      },
      async cancel(reason) {
        await reader?.cancel(reason);
      },
    },
    { highWaterMark: 0 }, // no read-ahead beyond what the consumer asks for
  );
}

/**
 * The whole bytes of `count` chunks, concatenated by the browser (`new Blob(values)`: the segments' bytes are copied
 * once, into the buffer returned, and never pass through JavaScript on the way): a blob verified whole at commit.
 */
export async function readWhole(
  chunks: UseStore,
  key: { digest: Digest; ingestId: string; count: number },
): Promise<Uint8Array<ArrayBuffer>> {
  const values: (Blob | Uint8Array<ArrayBuffer>)[] = [];
  for (let i = 0; i < key.count; i++) {
    values.push((await chunkValue(chunks, [key.digest, key.ingestId, i])) as Blob | Uint8Array<ArrayBuffer>);
  }
  return new Uint8Array(await new Blob(values).arrayBuffer());
}

/** The whole bytes of a small blob (a manifest), read chunk by chunk into one buffer of `size` bytes. */
export async function readChunks(
  chunks: UseStore,
  key: { digest: Digest; ingestId: string; count: number; size: number },
): Promise<Uint8Array> {
  const out = new Uint8Array(key.size);
  let at = 0;
  for (let i = 0; i < key.count; i++) {
    const value = await chunkValue(chunks, [key.digest, key.ingestId, i]);
    const bytes = value instanceof Uint8Array ? value : new Uint8Array(await value.arrayBuffer());
    out.set(bytes.subarray(0, Math.max(0, Math.min(bytes.length, out.length - at))), at);
    at += bytes.length;
  }
  return out;
}
