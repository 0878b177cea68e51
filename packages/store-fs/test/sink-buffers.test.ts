// The coalescing buffers of writers are pooled (internal/file-sink.ts): a buffer given back by a writer that
// committed, aborted or closed serves the next one, and no byte of one blob ever reaches another's file.
import { describe as describeBytes } from "@toci/spec-types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsStore } from "../src/index.js";
import { tempDir } from "./helpers.js";

let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir, dispose } = await tempDir("toci-sink-buffers-"));
});
afterEach(async () => {
  await dispose();
});

/** 100 KiB (enough for a pooled buffer) of bytes that tell blobs apart. */
function blob(seed: number): Uint8Array {
  return Uint8Array.from({ length: 100 * 1024 }, (_, i) => (i * 31 + seed * 7) % 251);
}

/** Small chunks, which the writer gathers in its buffer. */
function* chunks(bytes: Uint8Array, size = 1000): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe("pooled writer buffers", () => {
  it("serve writer after writer, interleaved, with no byte carried from one blob to another", async () => {
    const store = await fsStore(dir);
    const contents = [1, 2, 3, 4, 5, 6].map(blob);
    const descriptors = await Promise.all(contents.map((c) => describeBytes(c)));
    // One writer aborted and one closed half way: their buffers go back to the pool with bytes in them.
    for (const [i, end] of [
      [0, "abort"],
      [1, "close"],
    ] as const) {
      const ingest = await store.ingest(descriptors[i]!);
      for (const chunk of [...chunks(contents[i]!)].slice(0, 50)) await ingest.write(chunk);
      await ingest[end]();
    }
    // Then four at once, their small writes interleaved.
    const ingests = await Promise.all(descriptors.slice(2).map((d) => store.ingest(d)));
    const streams = contents.slice(2).map((c) => chunks(c));
    for (let open = true; open; ) {
      open = false;
      for (const [i, stream] of streams.entries()) {
        const next = stream.next();
        if (next.done) continue;
        open = true;
        await ingests[i]!.write(next.value);
      }
    }
    await Promise.all(ingests.map((ingest) => ingest.commit()));
    for (const [i, d] of descriptors.entries()) {
      if (i < 2) continue;
      const stored = new Uint8Array(await new Response(await store.fetch(d)).arrayBuffer());
      expect(Buffer.compare(stored, contents[i]!)).toBe(0);
    }
    // The closed writer's partial resumes, and completes right.
    const resumed = await store.ingest(descriptors[1]!);
    expect(resumed.offset).toBe(50 * 1000);
    await resumed.write(contents[1]!.subarray(resumed.offset));
    await resumed.commit();
  }, 30_000);
});
