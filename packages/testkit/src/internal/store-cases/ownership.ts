import type { Descriptor, Store } from "@toci/spec-types";
import { beforeEach, describe, expect, it } from "vitest";
import type { StoreContext } from "./context.js";
import { describeBytes, fetchBytes } from "./helpers.js";

/**
 * A Uint8Array whose `slice` is a view, as Node's Buffer's is (`Buffer#slice` shares memory): what a store that
 * "copies" with `slice` receives from a Node stream or transport, without the suite importing `node:buffer`.
 */
class ViewSlicing extends Uint8Array {
  override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
    return this.subarray(start, end) as Uint8Array<ArrayBuffer>;
  }
}

/** 320 KiB in 64 KiB writes: several chunks, some stores' copy-free write size (256 KiB) crossed. */
const SIZE = 320 * 1024;
const CHUNK = 64 * 1024;

function content(): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(SIZE);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 9)) & 0xff;
  return bytes;
}

/**
 * Writes `bytes` in Buffer-like chunks: through one reused buffer, scribbled on after each write resolves, or in a
 * fresh buffer per write, left alone.
 */
async function putInChunks(store: Store, bytes: Uint8Array, reuse: boolean): Promise<Descriptor> {
  const d = await describeBytes(bytes);
  const ingest = await store.ingest(d);
  let buffer = new ViewSlicing(CHUNK);
  for (let at = 0; at < bytes.length; at += CHUNK) {
    const n = Math.min(CHUNK, bytes.length - at);
    if (!reuse) buffer = new ViewSlicing(CHUNK);
    buffer.set(bytes.subarray(at, at + n));
    await ingest.write(buffer.subarray(0, n));
    if (reuse) buffer.fill(0xee);
  }
  await ingest.commit();
  return d;
}

/** The suite's "bytes handed over" cases: who owns a chunk once it has crossed the Store contract, either way. */
export function ownership({ current }: StoreContext): void {
  describe("bytes handed over", () => {
    let store: Store;
    beforeEach(() => {
      ({ store } = current());
    });

    it("copies a written chunk whose slice is a view (as Node's Buffer): the caller reuses it, nothing stored changes", async () => {
      const d = await putInChunks(store, content(), true);
      // The fetch stream verifies: stored bytes that changed after the write fail it with DIGEST_MISMATCH.
      expect((await describeBytes(await fetchBytes(store, d))).digest).toBe(d.digest);
    });

    it("hands out chunks of its own: a consumer that writes into every chunk it reads changes nothing stored", async () => {
      // Written in fresh chunks, so that only what fetch hands out can change what is stored.
      const d = await putInChunks(store, content(), false);
      for (let round = 0; round < 2; round++) {
        const reader = (await store.fetch(d)).getReader();
        let size = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          value.fill(round + 1);
        }
        expect(size).toBe(d.size);
      }
      expect((await describeBytes(await fetchBytes(store, d))).digest).toBe(d.digest);
    });
  });
}
