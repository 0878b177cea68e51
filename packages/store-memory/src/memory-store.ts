// The reference Store: Maps and arrays, nothing else (docs/architecture.md §2). Every other store must behave like this one;
// the conformance suite in @toci/testkit is written against it first. Blobs are kept as the chunks they were
// written in (copied, since callers reuse their buffers; handed out as copies, since consumers may write into them),
// so a large blob is never concatenated.
import {
  checkAppend,
  checkComplete,
  createHasher,
  createVerifier,
  DEFAULT_MAX_MANIFEST_BYTES,
  type Descriptor,
  type Digest,
  findRoot,
  type Hasher,
  type Ingest,
  type IngestOptions,
  manifestDescriptor,
  OciError,
  presentIngest,
  type RootPredicate,
  reachable,
  referenceDigest,
  requireIngestable,
  requireVerifiable,
  type SourceRecorder,
  type Store,
  tagRoots,
  type UploadState,
  type UploadStateKeeper,
  untagRoots,
} from "@toci/spec-types";

/** Bytes held in memory as the chunks they arrived in. */
export interface MemoryBytes {
  size: number;
  chunks: Uint8Array[];
}

/**
 * Everything a memory store holds. Two stores made with the same state share it, as two handles on one layout
 * would (tests use this to "reopen" a store).
 */
export interface MemoryStoreState {
  /** Committed, verified blobs by digest. */
  blobs: Map<Digest, MemoryBytes>;
  /** Closed partial ingests by digest, waiting to be resumed. Writers that are still open hold theirs privately. */
  partials: Map<Digest, MemoryBytes>;
  /** The roots, as index.json would list them. */
  roots: Descriptor[];
  /** Upload sessions by key (UploadStateKeeper). */
  uploads: Map<string, UploadState>;
  /** The repositories each blob came from (SourceRecorder), in the order they were recorded. */
  sources: Map<Digest, string[]>;
}

/** Options for {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Storage to use, shared with other stores made with it. @default a new, empty state */
  state?: MemoryStoreState;
}

/** A Store in memory that also keeps upload sessions and the sources of blobs. */
export type MemoryStore = Store & UploadStateKeeper & SourceRecorder;

/** An empty {@link MemoryStoreState}. */
export function memoryState(): MemoryStoreState {
  return { blobs: new Map(), partials: new Map(), roots: [], uploads: new Map(), sources: new Map() };
}

/** Makes a Store that keeps everything in Maps. */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const state = options.state ?? memoryState();

  return {
    async exists(descriptor) {
      return state.blobs.get(descriptor.digest)?.size === descriptor.size;
    },

    async fetch(descriptor, options = {}) {
      const entry = state.blobs.get(descriptor.digest);
      if (!entry) throw notFound(descriptor.digest);
      const verifier = await createVerifier(descriptor);
      let next = 0;
      const source = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (options.signal?.aborted) {
            controller.error(new OciError("ABORTED", "the read was aborted", { cause: options.signal.reason }));
            return;
          }
          const chunk = entry.chunks[next++];
          // A copy the consumer owns: it may write into it (see copyOf).
          if (chunk) controller.enqueue(copyOf(chunk));
          else controller.close();
        },
      });
      return source.pipeThrough(verifier);
    },

    async ingest(descriptor, options) {
      return openIngest(state, descriptor, options);
    },

    async resolve(reference: string | RootPredicate) {
      const root = findRoot(state.roots, reference);
      if (root) return structuredClone(root);
      const digest = typeof reference === "string" ? referenceDigest(reference) : undefined;
      const bytes = digest && (await readSmall(state, { digest }));
      return bytes && digest ? manifestDescriptor(digest, bytes) : undefined;
    },

    async tag(descriptor, reference) {
      state.roots = tagRoots(state.roots, descriptor, reference);
    },

    async untag(reference) {
      const { roots, removed } = untagRoots(state.roots, reference);
      state.roots = roots;
      return removed;
    },

    async list() {
      return structuredClone(state.roots);
    },

    async remove(descriptor) {
      const removed = state.blobs.delete(descriptor.digest);
      state.sources.delete(descriptor.digest);
      const roots = state.roots.filter((root) => root.digest !== descriptor.digest);
      const untagged = roots.length !== state.roots.length;
      state.roots = roots;
      return removed || untagged;
    },

    gc: () => collectGarbage(state),

    ...keepers(state),
  };
}

async function openIngest(
  state: MemoryStoreState,
  descriptor: Descriptor,
  options: IngestOptions = {},
): Promise<Ingest> {
  const algorithm = requireIngestable(descriptor);
  if (state.blobs.get(descriptor.digest)?.size === descriptor.size) return presentIngest(descriptor);
  const hasher: Hasher = await createHasher(algorithm);
  let bytes: MemoryBytes = { size: 0, chunks: [] };
  // Claim the closed partial, if any: it leaves the map so that no other writer appends to the same chunks.
  const partial = state.partials.get(descriptor.digest);
  state.partials.delete(descriptor.digest);
  if (partial && options.resume !== false && partial.size <= descriptor.size) {
    for (const chunk of partial.chunks) hasher.update(chunk); // re-hashed, not trusted
    bytes = partial;
  }
  let done = false;

  return {
    descriptor,
    get offset() {
      return bytes.size;
    },
    async write(chunk) {
      if (done) throw new OciError("CLOSED", `the ingest of ${descriptor.digest} is finished`);
      checkAppend(descriptor, bytes.size, chunk.byteLength);
      hasher.update(chunk);
      bytes.chunks.push(copyOf(chunk)); // the caller may reuse its buffer once write resolves
      bytes.size += chunk.byteLength;
    },
    async commit() {
      if (done) throw new OciError("CLOSED", `the ingest of ${descriptor.digest} is finished`);
      done = true;
      checkComplete(descriptor, bytes.size, hasher);
      // A concurrent writer of the same digest may have committed first: same bytes, keep theirs.
      if (!state.blobs.has(descriptor.digest)) state.blobs.set(descriptor.digest, bytes);
    },
    async abort() {
      done = true;
    },
    async close() {
      if (done) return;
      done = true;
      const other = state.partials.get(descriptor.digest);
      if (bytes.size > 0 && (!other || other.size < bytes.size)) state.partials.set(descriptor.digest, bytes);
    },
  };
}

/** Upload sessions and blob sources in the state (UploadStateKeeper, SourceRecorder). */
function keepers(state: MemoryStoreState): UploadStateKeeper & SourceRecorder {
  return {
    async getUpload(key) {
      const upload = state.uploads.get(key);
      return upload && { ...upload };
    },
    async setUpload(key, upload) {
      state.uploads.set(key, { ...upload });
    },
    async deleteUpload(key) {
      state.uploads.delete(key);
    },

    async recordSource(digest, repository) {
      requireVerifiable(digest);
      const list = state.sources.get(digest) ?? [];
      if (!list.includes(repository)) list.push(repository);
      state.sources.set(digest, list);
    },
    async sources(digest) {
      return [...(state.sources.get(digest) ?? [])];
    },
  };
}

/** Deletes what no root reaches, and every closed partial (Store.gc). */
async function collectGarbage(state: MemoryStoreState): Promise<Digest[]> {
  const candidates = [...state.blobs].map(([digest, entry]) => ({ digest, size: entry.size }));
  const keep = await reachable(state.roots, (d) => readSmall(state, d), candidates);
  const removed: Digest[] = [];
  for (const { digest } of candidates) {
    if (!keep.has(digest) && state.blobs.delete(digest)) removed.push(digest);
  }
  for (const digest of state.sources.keys()) if (!state.blobs.has(digest)) state.sources.delete(digest);
  // Partials in the map were closed by their writers: abandoned until someone resumes them. Open writers hold
  // their bytes privately, so gc cannot take them away.
  for (const digest of state.partials.keys()) if (!removed.includes(digest)) removed.push(digest);
  state.partials.clear();
  return removed;
}

/** A stored manifest's bytes: a blob over 4 MiB is never concatenated, whatever size a descriptor claims. */
async function readSmall(state: MemoryStoreState, d: Pick<Descriptor, "digest">): Promise<Uint8Array | undefined> {
  const entry = state.blobs.get(d.digest);
  return entry && entry.size <= DEFAULT_MAX_MANIFEST_BYTES ? concat(entry) : undefined;
}

function concat(entry: MemoryBytes): Uint8Array {
  if (entry.chunks.length === 1) return entry.chunks[0] as Uint8Array;
  const out = new Uint8Array(entry.size);
  let at = 0;
  for (const chunk of entry.chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * A copy of `chunk` in memory of its own. Not `chunk.slice()`: Node's Buffer is a Uint8Array whose `slice` is a view
 * of the same memory, so a Buffer written in (what Node streams and transports hand over) would stay the caller's,
 * and one handed out would let a consumer change the stored bytes.
 */
function copyOf(chunk: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(chunk);
}

function notFound(digest: Digest): OciError {
  return new OciError("NOT_FOUND", `blob ${digest} is not in the store`, { detail: { digest } });
}
