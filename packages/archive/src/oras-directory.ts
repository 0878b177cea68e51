// The oras directory format (oras-go content/file, what `oras push REF dir/` writes and `oras pull` unpacks): a
// layer that is the tar+gzip of the directory, entries named `<dir>/...`, annotated with the directory's name as
// `org.opencontainers.image.title`, `io.deis.oras.content.unpack: "true"`, and the digest of the uncompressed
// tar as `io.deis.oras.content.digest`. oras checks that digest after unpacking; so does unpackDirectory.
import { ANNOTATION_TITLE, type Descriptor, digestMismatch, OCI_LAYER_GZIP, parseDigest } from "@toci/spec-types";
import { decompress } from "./decompress.js";
import { invalid } from "./internal/errors.js";
import { hashing } from "./internal/hashing.js";
import { lazyStream } from "./internal/stream-from.js";
import { type ArchiveLimits, limitsOf } from "./limits.js";
import { type EntryGuardOptions, entryGuard, type SafeEntry, safePath } from "./safe-path.js";
import { readTar } from "./tar-reader.js";
import type { TarWriteEntry } from "./tar-writer.js";

/** oras: the layer is a directory to unpack. */
export const ANNOTATION_ORAS_UNPACK = "io.deis.oras.content.unpack";
/** oras: the digest of the directory's uncompressed tar. */
export const ANNOTATION_ORAS_DIGEST = "io.deis.oras.content.digest";

/** Whether a layer is an oras directory (`io.deis.oras.content.unpack: "true"`). */
export function isOrasDirectory(descriptor: Descriptor): boolean {
  return descriptor.annotations?.[ANNOTATION_ORAS_UNPACK] === "true";
}

/** One entry of a directory to pack: its path inside the directory and its content. */
export type DirectoryEntry = TarWriteEntry;

/** Options for {@link packDirectory}. */
export interface PackDirectoryOptions {
  /** The directory's name: its title, and the top directory of the tar (`oras pull` creates it). */
  name: string;
  /** @default "application/vnd.oci.image.layer.v1.tar+gzip" (oras's default for directories) */
  mediaType?: string;
}

/** A packed directory: the layer's bytes, and its descriptor once they have all been read. */
export interface PackedDirectory {
  /** The tar+gzip bytes, read once. */
  stream: ReadableStream<Uint8Array>;
  /**
   * The layer's descriptor, with the oras annotations: resolves when `stream` has been read to its end, rejects
   * when packing failed.
   */
  descriptor: Promise<Descriptor>;
}

/**
 * Packs a directory as oras does, so that `oras pull` unpacks it. Each entry's `path` is relative to the directory
 * and is checked as {@link entryGuard} checks what is unpacked (no `..`, no symlink pointing out, no device files:
 * what oras would refuse is refused here, with `INVALID_ARGUMENT`). Owners are 0 and times are kept as given
 * (default 0), so the same files give the same tar digest.
 */
export function packDirectory(
  entries: Iterable<DirectoryEntry> | AsyncIterable<DirectoryEntry>,
  options: PackDirectoryOptions,
): PackedDirectory {
  const name = safePath(options.name);
  const packed = import("./internal/pack.js").then((m) => m.pack(entries, name, options.mediaType ?? OCI_LAYER_GZIP));
  const descriptor = packed.then((p) => p.descriptor);
  descriptor.catch(() => {}); // the stream reports the same failure to a caller who only reads it
  return { stream: lazyStream(packed.then((p) => p.stream)), descriptor };
}

/** An entry of an unpacked directory: where it goes (relative to the directory) and its content. */
export interface UnpackedEntry extends SafeEntry {
  /** Bytes of content (files only). */
  size: number;
  /** The content, read once, available until the iteration moves on (as a tar entry's). */
  stream(): ReadableStream<Uint8Array>;
}

/** Options for {@link unpackDirectory}. */
export interface UnpackDirectoryOptions extends ArchiveLimits, EntryGuardOptions {}

/**
 * The entries of an oras directory layer, checked for writing to disk ({@link entryGuard}), with paths relative to
 * the directory (its title; `oras pull` puts it under that name). The uncompressed tar is verified against
 * `io.deis.oras.content.digest` when the iteration ends: a mismatch throws `DIGEST_MISMATCH` after the last
 * entry, so write entries under temporary names and keep them only once the loop has finished without error.
 *
 * @param stream the layer's bytes as stored (verified by the store as they flow)
 * @param descriptor the layer's descriptor, with its oras annotations
 */
export async function* unpackDirectory(
  stream: ReadableStream<Uint8Array>,
  descriptor: Descriptor,
  options: UnpackDirectoryOptions = {},
): AsyncGenerator<UnpackedEntry> {
  const limits = limitsOf(options);
  const title = descriptor.annotations?.[ANNOTATION_TITLE];
  if (title === undefined) throw invalid(`${descriptor.digest} has no ${ANNOTATION_TITLE}: a directory needs a name`);
  const name = safePath(title);
  const expected = descriptor.annotations?.[ANNOTATION_ORAS_DIGEST];
  if (expected !== undefined) parseDigest(expected);
  let actual = "";
  const tar = decompress(stream, descriptor.mediaType, limits).pipeThrough(hashing((digest) => (actual = digest)));
  const guard = entryGuard(options);
  for await (const entry of readTar(tar, limits)) {
    const path = entry.path.replace(/^\.\//, "").replace(/\/$/, "");
    if (path === name && entry.type === "directory") continue;
    const inner = { ...entry, path: inside(name, path) };
    if (entry.type === "link") inner.linkTarget = inside(name, entry.linkTarget!.replace(/^\.\//, ""));
    yield { ...guard(inner), size: entry.size, stream: () => entry.stream() };
  }
  if (expected !== undefined && actual !== expected)
    throw digestMismatch({ digest: expected as Descriptor["digest"] }, actual);
}

/** A tar name of the directory `name`, relative to it; INVALID_ARGUMENT for a name outside it (oras refuses those). */
function inside(name: string, path: string): string {
  if (!path.startsWith(`${name}/`))
    throw invalid(`${JSON.stringify(path)} is outside the directory ${JSON.stringify(name)}`);
  return path.slice(name.length + 1);
}
