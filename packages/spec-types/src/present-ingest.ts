// The ingest a store returns for a blob it already holds (Store contract: `ingest` of a stored blob is complete at
// once): offset at the end, nothing to write, commit a no-op. Shared by the stores, which all answer alike.
import type { Descriptor } from "./descriptor.js";
import type { Ingest } from "./store.js";
import { sizeMismatch } from "./verify.js";

/** An ingest of a blob already stored: `offset` is its size; writing any byte more is a SIZE_MISMATCH. */
export function presentIngest(descriptor: Descriptor): Ingest {
  return {
    descriptor,
    offset: descriptor.size,
    async write(chunk) {
      if (chunk.byteLength > 0) throw sizeMismatch(descriptor, descriptor.size + chunk.byteLength, true);
    },
    async commit() {},
    async abort() {},
    async close() {},
  };
}
