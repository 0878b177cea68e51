// The files of an artifact held in a store (pulled by `repo.pull`, or imported): one per layer, named by its
// `org.opencontainers.image.title` as oras names them, with the content read from the store, verified as it flows.
// Runtime-neutral: a browser lists the files of an artifact pulled into IndexedDB and opens one. Unpacking oras
// directories is @toci/archive's (`unpackDirectory`): the client depends on spec-types only.
import {
  ANNOTATION_TITLE,
  type BlobFetcher,
  DEFAULT_MAX_MANIFEST_BYTES,
  type Descriptor,
  isIndex,
  OciError,
  parseManifest,
  type Resolver,
  readAll,
} from "@toci/spec-types";

/** oras: a layer that is a directory packed as tar+gzip, to unpack (`io.deis.oras.content.unpack: "true"`). */
const ORAS_UNPACK = "io.deis.oras.content.unpack";

/** `file`, or `directory`: an oras directory, a tar+gzip of it (`@toci/archive`'s `unpackDirectory` unpacks it). */
export type ArtifactFileType = "file" | "directory";

/** One file of an artifact. */
export interface ArtifactFile {
  /**
   * The layer's `org.opencontainers.image.title`, as the artifact gives it, or its digest when it has none. Names
   * come from whoever pushed the artifact: check one before using it as a path (`@toci/archive`'s `safePath` and
   * `entryGuard` say what may be written to disk).
   */
  name: string;
  /** Whether the name is the layer's title (false: the digest stands in for a missing title). */
  titled: boolean;
  type: ArtifactFileType;
  /** The layer's media type. */
  mediaType: string;
  /** Bytes of content, as the manifest declares (verified as the content is read). */
  size: number;
  /** The layer's descriptor, annotations included. */
  descriptor: Descriptor;
  /** The content, read from the store and verified as it flows (a mismatch errors the stream). Each call reads anew. */
  stream(): ReadableStream<Uint8Array>;
  /** The content as a Blob (read whole, verified; browsers may keep large ones on disk). */
  blob(): Promise<Blob>;
}

/** What artifactFiles needs of a store: to find a root by name, and to read blobs. */
export type ArtifactStore = BlobFetcher & Resolver;

/**
 * The files of the artifact at `root` in the store: one per layer of its manifest, in order (the config is not a
 * file). `root` is a descriptor or a name the store resolves (`v1`, `registry.example/repo:v1`, a digest). Throws an
 * `OciError`: `NOT_FOUND` when the store has no such root, `INVALID_ARGUMENT` for an index (name one of its
 * manifests), `MANIFEST_INVALID` for a manifest that does not parse, and what the store throws.
 *
 * ```ts
 * for (const file of await artifactFiles(client.store, "ghcr.io/org/model:v1")) {
 *   console.log(file.name, file.size, file.type);
 * }
 * ```
 */
export async function artifactFiles(store: ArtifactStore, root: Descriptor | string): Promise<ArtifactFile[]> {
  const descriptor = typeof root === "string" ? await store.resolve(root) : root;
  if (!descriptor) throw new OciError("NOT_FOUND", `no root named ${JSON.stringify(root)} in the store`);
  if (descriptor.size > DEFAULT_MAX_MANIFEST_BYTES) {
    throw new OciError(
      "MANIFEST_INVALID",
      `${descriptor.digest} is ${descriptor.size} bytes: too large for a manifest`,
    );
  }
  const bytes = await readAll(await store.fetch(descriptor), DEFAULT_MAX_MANIFEST_BYTES);
  const manifest = parseManifest(bytes, descriptor.mediaType);
  if (isIndex(manifest)) {
    throw new OciError("INVALID_ARGUMENT", `${descriptor.digest} is an index: name one of its manifests`, {
      detail: { manifests: manifest.manifests.map((m) => m.digest) },
    });
  }
  return manifest.layers.map((layer) => fileOf(store, layer));
}

function fileOf(store: ArtifactStore, layer: Descriptor): ArtifactFile {
  const title = layer.annotations?.[ANNOTATION_TITLE];
  const stream = () => lazyStream(() => store.fetch(layer));
  return {
    name: title || layer.digest,
    titled: Boolean(title),
    type: layer.annotations?.[ORAS_UNPACK] === "true" ? "directory" : "file",
    mediaType: layer.mediaType,
    size: layer.size,
    descriptor: layer,
    stream,
    blob: () => new Response(stream()).blob(),
  };
}

/** A stream opened on its first read (so that `stream()` needs no await), and closed when cancelled. */
function lazyStream(open: () => Promise<ReadableStream<Uint8Array>>): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      reader ??= (await open()).getReader();
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}
