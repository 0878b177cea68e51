// A store whose ingests take a body whole (BodyWriter, an optional ability): the pull hands each blob's body to it
// instead of reading it chunk by chunk, reports progress from what the store says it wrote, and leaves verification
// to the store's commit, so a wrong body still fails the pull and is never stored.
import {
  type BodyWriter,
  type Descriptor,
  EMPTY_JSON,
  type Ingest,
  OCI_EMPTY,
  OCI_MANIFEST,
  type Store,
  type TransferEvent,
} from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { describe, expect, it } from "vitest";
import { Client } from "../src/index.js";
import { fakeRegistry } from "./helpers/fake-registry.js";

/** `store`, its ingests given writeBody (read here chunk by chunk into write), with a log of what was called. */
function bodyTakingStore(store: Store, log: string[]): Store {
  return {
    ...store,
    async ingest(descriptor, options) {
      const ingest = await store.ingest(descriptor, options);
      const taking: Ingest & BodyWriter = {
        descriptor,
        get offset() {
          return ingest.offset;
        },
        write: (chunk) => {
          log.push(`write ${chunk.byteLength}`);
          return ingest.write(chunk);
        },
        async writeBody(body, o) {
          log.push(`writeBody ${descriptor.size}`);
          for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
            await ingest.write(chunk);
            o?.progress?.(ingest.offset);
          }
        },
        commit: () => ingest.commit(),
        abort: () => ingest.abort(),
        close: () => ingest.close(),
      };
      return taking;
    },
  };
}

function image(layerBytes: Uint8Array) {
  const reg = fakeRegistry();
  const layer = reg.addBlob(layerBytes);
  const config = reg.addBlob(EMPTY_JSON);
  reg.addManifest(
    "a/b",
    "v1",
    {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { ...config, mediaType: OCI_EMPTY },
      layers: [{ ...layer, mediaType: "application/vnd.oci.image.layer.v1.tar" }],
    },
    OCI_MANIFEST,
  );
  return { reg, layer: layer as Descriptor };
}

async function pull(client: Client, origin: string): Promise<TransferEvent[]> {
  const events: TransferEvent[] = [];
  for await (const event of client.registry(origin).repo("a/b").pull("v1")) events.push(event);
  return events;
}

describe("a store whose ingests take bodies whole", () => {
  it("is handed every blob's body, and the pull's progress follows what it wrote", async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => i & 0xff);
    const { reg, layer } = image(bytes);
    const log: string[] = [];
    const store = memoryStore();
    const events = await pull(new Client({ transport: reg.transport, store: bodyTakingStore(store, log) }), reg.origin);
    expect(events.at(-1)).toMatchObject({ type: "progress", percent: 100 });
    expect(log.filter((l) => l.startsWith("writeBody")).sort()).toEqual(
      [`writeBody ${EMPTY_JSON.byteLength}`, `writeBody ${bytes.byteLength}`].sort(),
    );
    expect(log.some((l) => l.startsWith("write ") && Number(l.slice(6)) === bytes.byteLength)).toBe(false);
    expect(await store.exists(layer)).toBe(true);
    const last = events.at(-1) as Extract<TransferEvent, { type: "progress" }>;
    expect(last.transferredBytes).toBeGreaterThanOrEqual(bytes.byteLength);
  });

  it("still fails the pull with DIGEST_MISMATCH when the body is wrong, and stores nothing of it", async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => i & 0xff);
    const { reg, layer } = image(bytes);
    bytes[123] = (bytes[123] ?? 0) ^ 1; // the registry's copy, changed after its digest was taken
    const store = memoryStore();
    const events = await pull(new Client({ transport: reg.transport, store: bodyTakingStore(store, []) }), reg.origin);
    expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "DIGEST_MISMATCH" } });
    expect(await store.exists(layer)).toBe(false);
  });
});
