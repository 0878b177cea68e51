// A pull into a store whose ingests take Blobs (BlobAppender, as IndexedDB's) over a transport whose responses read
// into Blobs (BlobBodyResponse, as fetch's): the blob comes in Range segments, each appended as one Blob. Odd
// answers hand the blob to the streamed download; a segment cut short is retried from the last one appended.
import { createHash } from "node:crypto";
import type {
  BlobAppender,
  BlobBodyResponse,
  Descriptor,
  Digest,
  Ingest,
  Store,
  TransferEvent,
  TransportRequest,
  TransportResponse,
} from "@toci/spec-types";
import { OciError } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { describe, expect, it } from "vitest";
import { Client } from "../src/index.js";

const ORIGIN = "https://registry.example";
const SEGMENT = 4096;
const layerBytes = new Uint8Array(10_000).map((_, i) => (i * 7 + (i >> 8)) & 0xff);

function describeBytes(bytes: Uint8Array, mediaType: string): Descriptor {
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}` as Digest;
  return { mediaType, digest, size: bytes.byteLength };
}

const config = new TextEncoder().encode("{}");
const configDesc = describeBytes(config, "application/vnd.oci.image.config.v1+json");
const layer = describeBytes(layerBytes, "application/vnd.oci.image.layer.v1.tar");
const manifest = new TextEncoder().encode(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: configDesc,
    layers: [layer],
  }),
);
const manifestDesc = describeBytes(manifest, "application/vnd.oci.image.manifest.v1+json");

/** What the registry does with a GET of the layer: its Range (or null), and the answer it gives. */
type LayerAnswer = (
  range: string | null,
  attempt: number,
) => { status: number; bytes: Uint8Array; claims?: number; noLength?: boolean } | undefined;

/** A registry in memory; `answer` may override the layer's answers. Its responses read into Blobs when `blobs`. */
function registry(options: { blobs: boolean; answer?: LayerAnswer; timeOut?: (n: number) => boolean }) {
  const ranges: (string | null)[] = [];
  /** The deadline each Blob read was given. */
  const deadlines: (number | undefined)[] = [];
  const transport = {
    async request(request: TransportRequest): Promise<TransportResponse> {
      const path = new URL(request.url).pathname;
      const headers = new Headers(request.headers);
      let status = 200;
      let bytes: Uint8Array = new Uint8Array();
      const extra: Record<string, string> = {};
      if (path === "/v2/") bytes = new TextEncoder().encode("{}");
      else if (path.endsWith("/manifests/v1") || path.endsWith(`/manifests/${manifestDesc.digest}`)) {
        bytes = manifest;
        extra["content-type"] = manifestDesc.mediaType;
        extra["docker-content-digest"] = manifestDesc.digest;
      } else if (path.endsWith(configDesc.digest)) bytes = config;
      else if (path.endsWith(layer.digest)) {
        const range = headers.get("range");
        ranges.push(range);
        const given = options.answer?.(range, ranges.length);
        const [from, to] = (range ?? "bytes=0-").replace("bytes=", "").split("-") as [string, string];
        const last = to === "" ? layerBytes.length - 1 : Number(to);
        // The range asked for, as a 206 says it (a body cut short below still claims it whole).
        if (range) extra["content-range"] = `bytes ${from}-${last}/${layerBytes.length}`;
        if (given) ({ status, bytes } = given);
        else if (range) {
          status = 206;
          bytes = layerBytes.subarray(Number(from), last + 1);
        } else bytes = layerBytes;
        // A body cut short still claims the length asked for; a chunked answer claims none.
        if (given?.claims !== undefined) extra["content-length"] = String(given.claims);
        if (given?.noLength) extra["content-length"] = "";
      } else status = 404;
      const answered = new Headers({ "content-length": String(bytes.byteLength), ...extra });
      if (answered.get("content-length") === "") answered.delete("content-length");
      const response = new Response(request.method === "HEAD" ? null : (bytes as BodyInit), {
        status,
        headers: answered,
      });
      const n = ranges.length;
      const base = { status, headers: response.headers, body: response.body, url: request.url };
      if (!options.blobs) return base;
      const readable: BlobBodyResponse = {
        ...base,
        blob: async (read) => {
          deadlines.push(read?.deadline);
          if (options.timeOut?.(n)) throw new OciError("TIMEOUT", "the whole body did not come");
          return response.blob();
        },
      };
      return readable;
    },
  };
  return { transport, ranges, deadlines };
}

/** A memory store whose ingests take Blobs of SEGMENT bytes, each appended as it is (counted). */
function blobStore(): { store: Store; appended: number[] } {
  const inner = memoryStore();
  const appended: number[] = [];
  const store = Object.create(inner) as Store;
  store.ingest = async (descriptor, options) => {
    const ingest = await inner.ingest(descriptor, options);
    const taking: Ingest & BlobAppender = Object.assign(Object.create(ingest) as Ingest, {
      blobSegment: SEGMENT,
      async appendBlob(blob: Blob) {
        appended.push(blob.size);
        await ingest.write(new Uint8Array(await blob.arrayBuffer()));
      },
    });
    return taking;
  };
  return { store, appended };
}

async function pull(transport: ReturnType<typeof registry>["transport"], store: Store): Promise<TransferEvent[]> {
  const client = new Client({ transport, store, blobAttempts: 3 });
  const events: TransferEvent[] = [];
  for await (const event of client.registry(ORIGIN).repo("app").pull("v1")) events.push(event);
  return events;
}

async function stored(store: Store): Promise<Uint8Array> {
  return new Uint8Array(await new Response(await store.fetch(layer)).arrayBuffer());
}

describe("a blob pulled in Range segments read into Blobs", () => {
  it("asks for segments of the ingest's size in order, each appended as one Blob, and stores it verified", async () => {
    const { transport, ranges } = registry({ blobs: true });
    const { store, appended } = blobStore();
    expect((await pull(transport, store)).at(-1)).toMatchObject({ type: "progress", percent: 100 });
    expect(ranges).toEqual(["bytes=0-4095", "bytes=4096-8191", "bytes=8192-9999"]);
    expect(appended.filter((n) => n !== config.byteLength)).toEqual([4096, 4096, 1808]);
    expect(await stored(store)).toEqual(layerBytes);
  });

  it("a segment cut short is asked again, resuming after the last segment appended", async () => {
    const { transport, ranges } = registry({
      blobs: true,
      answer: (_range, n) =>
        n === 2 ? { status: 206, bytes: layerBytes.subarray(4096, 5000), claims: 4096 } : undefined, // the second GET, short
    });
    const { store } = blobStore();
    expect((await pull(transport, store)).at(-1)).toMatchObject({ type: "progress", percent: 100 });
    expect(ranges).toEqual(["bytes=0-4095", "bytes=4096-8191", "bytes=4096-8191", "bytes=8192-9999"]);
    expect(await stored(store)).toEqual(layerBytes);
  });

  it("a registry that ignores Range (200 to a segment): the blob is streamed instead, and stored", async () => {
    const { transport, ranges } = registry({ blobs: true, answer: () => ({ status: 200, bytes: layerBytes }) });
    const { store, appended } = blobStore();
    expect((await pull(transport, store)).at(-1)).toMatchObject({ type: "progress", percent: 100 });
    expect(ranges).toEqual(["bytes=0-4095", null]);
    expect(appended.filter((n) => n !== config.byteLength)).toEqual([]);
    expect(await stored(store)).toEqual(layerBytes);
  });

  it("a wrong byte in a segment fails the pull with DIGEST_MISMATCH and stores nothing", async () => {
    const { transport } = registry({
      blobs: true,
      answer: (range) => {
        if (range !== "bytes=4096-8191") return undefined;
        const bytes = layerBytes.slice(4096, 8192);
        bytes[10] = (bytes[10] ?? 0) ^ 0xff;
        return { status: 206, bytes };
      },
    });
    const { store } = blobStore();
    const last = (await pull(transport, store)).at(-1);
    expect(last).toMatchObject({ type: "failed", error: { code: "DIGEST_MISMATCH" } });
    expect(await store.exists(layer)).toBe(false);
  });

  it("each Blob read has a deadline: 30 s plus its bytes at 32 KiB/s while the registry's speed is unknown", async () => {
    const { transport, deadlines } = registry({ blobs: true });
    const { store } = blobStore();
    expect((await pull(transport, store)).at(-1)).toMatchObject({ type: "progress", percent: 100 });
    // Segments this small measure a round trip, not a rate: none is noted, so each is a first segment's.
    const first = (bytes: number) => 30_000 + Math.ceil((bytes / (32 * 1024)) * 1000);
    // The config's 2 bytes (one read, no Range) and the layer's three segments, in whatever order they ran.
    const want = [first(2), first(4096), first(4096), first(1808)];
    expect([...deadlines].sort()).toEqual(want.sort());
  });

  it("a segment that times out: the registry's blobs are streamed from there on, resuming at the ingest's offset", async () => {
    const { transport, ranges } = registry({ blobs: true, timeOut: (n) => n === 2 });
    const { store } = blobStore();
    expect((await pull(transport, store)).at(-1)).toMatchObject({ type: "progress", percent: 100 });
    expect(ranges).toEqual(["bytes=0-4095", "bytes=4096-8191", "bytes=4096-"]);
    expect(await stored(store)).toEqual(layerBytes);
  });

  it("a segment without Content-Length is not read into a Blob: the blob is streamed instead", async () => {
    const { transport, ranges } = registry({
      blobs: true,
      answer: (range) =>
        range === "bytes=0-4095" ? { status: 206, bytes: layerBytes.subarray(0, 4096), noLength: true } : undefined,
    });
    const { store, appended } = blobStore();
    expect((await pull(transport, store)).at(-1)).toMatchObject({ type: "progress", percent: 100 });
    expect(ranges).toEqual(["bytes=0-4095", null]);
    expect(appended.filter((n) => n !== config.byteLength)).toEqual([]);
    expect(await stored(store)).toEqual(layerBytes);
  });

  it("a transport whose responses do not read into Blobs: the first segment is written as it comes, the rest streamed", async () => {
    const { transport, ranges } = registry({ blobs: false });
    const { store, appended } = blobStore();
    expect((await pull(transport, store)).at(-1)).toMatchObject({ type: "progress", percent: 100 });
    expect(ranges).toEqual(["bytes=0-4095", "bytes=4096-"]);
    expect(appended).toEqual([]);
    expect(await stored(store)).toEqual(layerBytes);
  });
});
