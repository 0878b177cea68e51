// The reference reads of the ceiling bench (ceiling.bench.test.ts): the bench image's blobs read in every way a page
// or a worker can read a response, with no store, to bound what a pull into a browser store can reach. The same
// module runs on the page's main thread and in a dedicated worker (ceiling-worker.ts), so the two are compared
// case for case. Every case reads the whole image (manifest, config, 4 × 64 MiB layers) once.
import { Client } from "@toci/client";
import { createHasher, type Store } from "@toci/spec-types";
import { databaseName, indexedDbStore } from "@toci/store-indexeddb";
import { fetchTransport } from "@toci/transport-fetch";
import { opfsStore as opfsStoreHere } from "../dist/in-worker.js";
import { opfsStore } from "../dist/index.js";
import type { PushedImage } from "../test-browser/harness.js";

export interface Target {
  registry: string;
  image: PushedImage;
  /** A fresh store name, for the pull cases. */
  store: string;
}

const MiB = 1024 * 1024;
/** What one BYOB read asks for: Chromium hands fetch bodies over in chunks of up to 2 MiB. */
const READ = 2 * MiB;
/** Range segments for the per-segment cases (arrayBuffer, WebCrypto's one-shot digest). */
const SEGMENT = 16 * MiB;

/** The registry's HTTP cache headers would make a second round read from the disk cache. */
const noStore: RequestInit = { cache: "no-store" };
const transport = fetchTransport({ fetch: (input, init) => fetch(input, { ...init, cache: "no-store" }) });

interface Blob1 {
  url: string;
  size: number;
  accept: string;
}

function blobs({ registry, image }: Target): Blob1[] {
  return [image.config, ...image.layers, image.root].map((d) => ({
    url: `${registry}/v2/${image.repo}/${d === image.root ? "manifests" : "blobs"}/${d.digest}`,
    size: d.size,
    accept: d.mediaType,
  }));
}

const get = (b: Blob1, range?: string) =>
  fetch(b.url, { ...noStore, headers: { accept: b.accept, ...(range ? { range } : {}) } });

/** `read(view, { min })`, which TypeScript's DOM types lack. */
type MinRead = (view: Uint8Array, options: { min: number }) => Promise<ReadableStreamReadResult<Uint8Array>>;

/** Reads `body` into one reused buffer, handing each filled view to `use`. */
async function readByob(body: ReadableStream<Uint8Array>, use?: (view: Uint8Array) => void): Promise<void> {
  const reader = body.getReader({ mode: "byob" });
  const read = reader.read.bind(reader) as unknown as MinRead;
  let buffer = new ArrayBuffer(READ);
  for (
    let r = await read(new Uint8Array(buffer), { min: READ });
    ;
    r = await read(new Uint8Array(buffer), { min: READ })
  ) {
    if (r.value) {
      use?.(r.value);
      buffer = r.value.buffer as ArrayBuffer;
    }
    if (r.done) return;
  }
}

async function readDefault(body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  while (!(await reader.read()).done) {}
}

/** Each blob's Range segments, fetched one after the other, each given whole to `use`. */
async function perSegment(t: Target, use: (bytes: ArrayBuffer) => Promise<unknown>): Promise<void> {
  for (const b of blobs(t)) {
    for (let at = 0; at < b.size; at += SEGMENT) {
      const response = await get(b, `bytes=${at}-${Math.min(at + SEGMENT, b.size) - 1}`);
      await use(await response.arrayBuffer());
    }
  }
}

/** A warm buffer hashed over and over, as many bytes as the image: the hasher alone. */
async function warm(t: Target, hash: (bytes: Uint8Array<ArrayBuffer>) => unknown): Promise<void> {
  const total = blobs(t).reduce((n, b) => n + b.size, 0);
  const bytes = crypto.getRandomValues(new Uint8Array(65536));
  const buffer = new Uint8Array(SEGMENT);
  for (let at = 0; at < SEGMENT; at += bytes.length) buffer.set(bytes, at);
  for (let done = 0; done < total; done += SEGMENT) await hash(buffer.subarray(0, Math.min(SEGMENT, total - done)));
}

/** Pulls the image with the client into `store`, then closes it and has `drop` remove what it holds. */
async function pullInto(t: Target, store: Store & { close(): Promise<void> }, drop: () => Promise<unknown>) {
  try {
    const client = new Client({ transport, store });
    for await (const event of client.registry(t.registry).repo(t.image.repo).pull(t.image.tag)) {
      if (event.type === "failed") throw event.error;
    }
  } finally {
    await store.close();
    await drop();
  }
}

/** Pulls the image into a fresh OPFS store (created where this runs), then removes the store. */
async function pullOpfs(t: Target, open: typeof opfsStore = opfsStore, writers?: number): Promise<void> {
  await pullInto(t, await open(t.store, { writers }), async () =>
    (await navigator.storage.getDirectory()).removeEntry(`toci-${t.store}`, { recursive: true }),
  );
}

/** Pulls the image into a fresh IndexedDB store (on this thread), then deletes the database. */
async function pullIdb(t: Target, wholeDigestMax?: number): Promise<void> {
  await pullInto(
    t,
    await indexedDbStore(t.store, { wholeDigestMax }),
    () => new Promise((resolve) => (indexedDB.deleteDatabase(databaseName(t.store)).onsuccess = resolve)),
  );
}

/**
 * The pull with its layers going nowhere: an opfsStore for the manifest and config, and for every blob over 1 MiB an
 * ingest that only counts the bytes (nothing hashed, nothing written). What is left is the client's pull path itself.
 */
async function pullNull(t: Target): Promise<void> {
  const store = await opfsStore(t.store);
  const held = new Set<string>();
  try {
    const nowhere: typeof store = {
      ...store,
      exists: async (d) => held.has(d.digest) || store.exists(d),
      async ingest(descriptor, options) {
        if (descriptor.size <= MiB) return store.ingest(descriptor, options);
        let offset = 0;
        return {
          descriptor,
          get offset() {
            return offset;
          },
          write: async (chunk) => {
            offset += chunk.byteLength;
          },
          commit: async () => {
            held.add(descriptor.digest);
          },
          abort: async () => {},
          close: async () => {},
        };
      },
    };
    const client = new Client({ transport, store: nowhere });
    for await (const event of client.registry(t.registry).repo(t.image.repo).pull(t.image.tag)) {
      if (event.type === "failed") throw event.error;
    }
  } finally {
    await store.close();
    await (await navigator.storage.getDirectory()).removeEntry(`toci-${t.store}`, { recursive: true });
  }
}

/**
 * The OPFS writes alone: as many bytes as the image's layers, 2 MiB at a time through a sync access handle into one
 * new file per layer (no fetch, no hash), then `after` on each file (a flush, a read-back), and the files removed.
 */
async function opfsWrites(
  t: Target,
  after: (handle: SyncHandle, size: number) => Promise<void> | void = () => {},
  chunk = READ,
): Promise<void> {
  const root = await navigator.storage.getDirectory();
  const dir = await root.getDirectoryHandle(`toci-${t.store}`, { create: true });
  const bytes = crypto.getRandomValues(new Uint8Array(65536));
  const buffer = new Uint8Array(chunk);
  for (let at = 0; at < chunk; at += bytes.length)
    buffer.set(bytes.subarray(0, Math.min(bytes.length, chunk - at)), at);
  try {
    for (const [i, layer] of t.image.layers.entries()) {
      const file = await dir.getFileHandle(`layer-${i}`, { create: true });
      const handle = await (
        file as unknown as { createSyncAccessHandle(): Promise<SyncHandle> }
      ).createSyncAccessHandle();
      for (let at = 0; at < layer.size; at += chunk) {
        handle.write(buffer.subarray(0, Math.min(chunk, layer.size - at)), { at });
      }
      await after(handle, layer.size);
      handle.close();
    }
  } finally {
    await root.removeEntry(`toci-${t.store}`, { recursive: true });
  }
}

interface SyncHandle {
  read(buffer: Uint8Array, options?: { at?: number }): number;
  write(buffer: Uint8Array, options?: { at?: number }): number;
  flush(): void;
  close(): void;
}

function readBack(handle: SyncHandle, size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; ) at += handle.read(bytes.subarray(at), { at });
  return bytes;
}

/** One IndexedDB database with one object store, for the segment probes; resolves it and a way to put a value. */
async function probeDatabase(name: string) {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(name);
    open.onupgradeneeded = () => open.result.createObjectStore("chunks");
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const put = (value: unknown, key: IDBValidKey) =>
    new Promise<void>((resolve, reject) => {
      const tx = db.transaction("chunks", "readwrite", { durability: "relaxed" });
      tx.objectStore("chunks").put(value, key);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  const getAll = () =>
    new Promise<Blob[]>((resolve) => {
      const request = db.transaction("chunks").objectStore("chunks").getAll();
      request.onsuccess = () => resolve(request.result as Blob[]);
    });
  const drop = async () => {
    db.close();
    await new Promise((resolve) => (indexedDB.deleteDatabase(name).onsuccess = resolve));
  };
  return { put, getAll, drop };
}

/**
 * Range segments of `segment` bytes fetched as Blobs (`response.blob()`: the bytes never enter JavaScript), each put
 * into IndexedDB as it comes, two blobs at once; with `verify`, each blob's segments read back whole and digested
 * by WebCrypto at its end.
 */
async function idbSegments(t: Target, segment: number, verify: boolean): Promise<void> {
  const idb = await probeDatabase(`probe-${t.store}`);
  try {
    const one = async (b: Blob1, i: number) => {
      const parts: Blob[] = [];
      for (let at = 0, k = 0; at < b.size; at += segment, k++) {
        const blob = await (await get(b, `bytes=${at}-${Math.min(at + segment, b.size) - 1}`)).blob();
        await idb.put(blob, [i, k]);
        parts.push(blob);
      }
      if (verify) await crypto.subtle.digest("SHA-256", await new Blob(parts).arrayBuffer());
    };
    const all = blobs(t);
    for (let i = 0; i < all.length; i += 2) await Promise.all(all.slice(i, i + 2).map((b, j) => one(b, i + j)));
  } finally {
    await idb.drop();
  }
}

export const cases = {
  /** fetch, its body read by default (a fresh buffer per chunk). */
  "fetch-default": async (t: Target) => {
    for (const b of blobs(t)) await readDefault((await get(b)).body!);
  },
  /** fetch, its body read with a BYOB reader into one reused 2 MiB buffer. */
  "fetch-byob": async (t: Target) => {
    for (const b of blobs(t)) await readByob((await get(b)).body!);
  },
  "fetch-arraybuffer": async (t: Target) => {
    for (const b of blobs(t)) await (await get(b)).arrayBuffer();
  },
  "fetch-blob": async (t: Target) => {
    for (const b of blobs(t)) await (await get(b)).blob();
  },
  "range-arraybuffer-16M": (t: Target) => perSegment(t, async () => {}),
  /** The same GETs through transport-fetch (idle timeout, abort, error mapping), read BYOB as a pull reads. */
  "transport-byob": async (t: Target) => {
    for (const b of blobs(t)) {
      const response = await transport.request({ method: "GET", url: b.url, headers: { accept: b.accept } });
      await readByob(response.body!);
    }
  },
  "transport-default": async (t: Target) => {
    for (const b of blobs(t)) {
      const response = await transport.request({ method: "GET", url: b.url, headers: { accept: b.accept } });
      await readDefault(response.body!);
    }
  },
  /** fetch BYOB, every byte through the stores' sha256 (hash-wasm), as the OPFS store's worker hashes. */
  "fetch-byob-sha256": async (t: Target) => {
    for (const b of blobs(t)) {
      const hasher = await createHasher("sha256");
      await readByob((await get(b)).body!, (view) => hasher.update(view));
      hasher.digest();
    }
  },
  /** Range segments of 16 MiB, each digested whole by WebCrypto (it has no incremental digest). */
  "range-webcrypto-16M": (t: Target) => perSegment(t, (bytes) => crypto.subtle.digest("SHA-256", bytes)),
  /** hash-wasm's sha256 on warm memory, as many bytes as the image (no fetch). */
  "mem-sha256": async (t: Target) => {
    const hasher = await createHasher("sha256");
    await warm(t, (bytes) => hasher.update(bytes));
    hasher.digest();
  },
  /** WebCrypto's one-shot digest of 16 MiB of warm memory at a time (no fetch). */
  "mem-webcrypto-16M": (t: Target) => warm(t, (bytes) => crypto.subtle.digest("SHA-256", bytes)),
  /** The pull itself: client + transport-fetch into an opfsStore made where this runs. */
  "pull-opfs": (t: Target) => pullOpfs(t),
  /** The same with one writer worker (`writers: 1`) rather than the default two. */
  "pull-1w-opfs": (t: Target) => pullOpfs(t, opfsStore, 1),
  /** Range segments of 16 MiB as Blobs into IndexedDB, no verification (the bytes never in JavaScript). */
  "idb-range-16M": (t: Target) => idbSegments(t, 16 * MiB, false),
  /** The same, each blob read back whole and digested by WebCrypto. */
  "idb-range-16M-verify": (t: Target) => idbSegments(t, 16 * MiB, true),
  "idb-range-64M-verify": (t: Target) => idbSegments(t, 64 * MiB, true),
  /** The pull into an indexedDbStore (its defaults: ingests on this thread). */
  "pull-idb": (t: Target) => pullIdb(t),
  /** The same, every blob hashed as it is written (wholeDigestMax 0): in a worker, where whole is the default. */
  "pull-idb-streamed": (t: Target) => pullIdb(t, 0),
  /** The pull with its layers counted and dropped (no hash, no write): the client's own path. */
  "pull-null": (t: Target) => pullNull(t),
  /** The same with `@toci/store-opfs/in-worker`: written in the worker the pull runs in (no nested worker). */
  "pull-opfs-inline": (t: Target) => pullOpfs(t, opfsStoreHere),
  /** OPFS writes alone (sync access handle, 2 MiB writes, no fetch, no hash). */
  "opfs-write": (t: Target) => opfsWrites(t),
  /** The same, 8 MiB writes. */
  "opfs-write-8M": (t: Target) => opfsWrites(t, undefined, 8 * MiB),
  /** The same, each file flushed after its writes. */
  "opfs-write-flush": (t: Target) => opfsWrites(t, (h) => h.flush()),
  /** The same, each file read back whole after its writes. */
  "opfs-write-readback": (t: Target) => opfsWrites(t, (h, size) => void readBack(h, size)),
  /** The same, each file read back whole and digested by WebCrypto (what the store's commit does). */
  "opfs-write-digest": (t: Target) =>
    opfsWrites(t, async (h, size) => void (await crypto.subtle.digest("SHA-256", readBack(h, size)))),
} satisfies Record<string, (t: Target) => Promise<void>>;

export type CaseName = keyof typeof cases;

/** The cases that run in a dedicated worker only. */
export const workerOnly: CaseName[] = [
  "pull-opfs-inline",
  "opfs-write",
  "opfs-write-8M",
  "opfs-write-flush",
  "opfs-write-readback",
  "opfs-write-digest",
];
