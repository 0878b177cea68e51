/// <reference types="vite/client" />
// A pull into indexedDbStore over fetch, in Chromium, from the harness registry (distribution 2.8.2 behind the CORS
// fault proxy): each blob comes in Range segments that fetch reads into Blobs and the store keeps as they are, so
// its bytes never enter JavaScript (the client's pull/blob-segments.ts, spec-types' BlobAppender and
// BlobBodyResponse). On the page and with the store's writer worker: the segments asked, a segment cut mid-way asked
// again from its start, a wrong byte refused with nothing stored. (It lives beside the OPFS tests for their harness.)
import { Client } from "@toci/client";
import type { TransferEvent } from "@toci/spec-types";
import { databaseName, indexedDbStore } from "@toci/store-indexeddb";
import idbWorkerUrl from "@toci/store-indexeddb/worker?worker&url";
import { writerWorker } from "@toci/store-indexeddb/writer-worker";
import { fetchTransport } from "@toci/transport-fetch";
import { afterEach, describe, expect, it } from "vitest";
import type { PushedImage } from "./harness.js";
import { commands } from "./tabs.js";

const MiB = 1024 * 1024;
/** The store's segment here: the 6 MiB layer of the `cut` image is asked in 1 MiB, then 2 MiB segments. */
const SEGMENT = 2 * MiB;

// No HTTP cache: registries let blobs be cached for a year, and a second pull would not reach the proxy.
const noCache = fetchTransport({ fetch: (input, init) => fetch(input, { ...init, cache: "no-store" }) });

afterEach(async () => {
  await commands.release();
});

/**
 * The ranges a blob of `size` bytes is asked in: a first segment of 1 MiB (the registry's speed unknown), then the
 * store's segment (on loopback, 8 s of transfer is far more).
 */
function segments(size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < size; at += at === 0 ? MiB : SEGMENT) {
    out.push(`bytes=${at}-${Math.min(size, at + (at === 0 ? MiB : SEGMENT)) - 1}`);
  }
  return out;
}

for (const mode of ["page", "writer worker"] as const) {
  describe(`a pull into indexedDbStore (${mode})`, () => {
    /** Pulls `image` into a fresh store; the events, the store, and the layer's GETs made during the pull. */
    async function pull(image: PushedImage) {
      const { registry } = await commands.harness();
      const layer = image.layers[0]!;
      const before = (await commands.blobGets(layer.digest)).length;
      const name = `idb-segments-${mode.replace(" ", "-")}-${Date.now()}`;
      const worker = mode === "writer worker" ? { worker: writerWorker(idbWorkerUrl) } : {};
      const store = await indexedDbStore(name, { chunkSize: SEGMENT, ...worker });
      const client = new Client({ transport: noCache, store, blobAttempts: 3 });
      const events: TransferEvent[] = [];
      for await (const event of client.registry(registry).repo(image.repo).pull(image.tag)) events.push(event);
      const gets = (await commands.blobGets(layer.digest)).slice(before);
      const cleanup = async () => {
        await client.close();
        indexedDB.deleteDatabase(databaseName(name));
      };
      return { events, store, layer, gets, cleanup };
    }

    it("asks for the blob in Range segments and stores it, verified", async () => {
      const { images } = await commands.harness();
      const { events, store, layer, gets, cleanup } = await pull(images.cut);
      try {
        expect(events.at(-1)).toMatchObject({ type: "progress", percent: 100 });
        expect(gets.map((g) => g.range)).toEqual(segments(layer.size));
        expect(gets.every((g) => g.status === 206 && g.done)).toBe(true);
        const bytes = await new Response(await store.fetch(layer)).arrayBuffer(); // verified as it streams
        expect(bytes.byteLength).toBe(layer.size);
      } finally {
        await cleanup();
      }
    });

    it("a segment cut mid-way is asked again from its start, and nothing before it twice", async () => {
      const { images } = await commands.harness();
      const layer = images.cut.layers[0]!;
      await commands.cutGet(layer.digest, 1, 512 * 1024); // the second segment
      const { events, store, gets, cleanup } = await pull(images.cut);
      try {
        expect(events.at(-1)).toMatchObject({ type: "progress", percent: 100 });
        const [first, second, ...rest] = segments(layer.size);
        expect(gets.map((g) => g.range)).toEqual([first, second, second, ...rest]);
        expect(gets[1]?.done).toBe(false);
        const bytes = await new Response(await store.fetch(layer)).arrayBuffer();
        expect(bytes.byteLength).toBe(layer.size);
      } finally {
        await cleanup();
      }
    });

    it("a wrong byte in a segment fails the pull with DIGEST_MISMATCH and stores nothing", async () => {
      const { images } = await commands.harness();
      const layer = images.cut.layers[0]!;
      await commands.corruptBlob(layer.digest, 1000); // byte 1000 of every segment
      const { events, store, cleanup } = await pull(images.cut);
      try {
        expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "DIGEST_MISMATCH" } });
        expect(await store.exists(layer)).toBe(false);
      } finally {
        await cleanup();
      }
    });
  });
}
