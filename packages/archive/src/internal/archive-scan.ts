// The one pass over an archive that importArchive makes first: blobs of an OCI layout go straight into the store
// (their names are their digests, verified on commit); small metadata is kept; every other file is hashed (and,
// from a one-shot stream, kept in memory up to a cap) so that a docker save archive, whose layers have no digest
// in their names and come before the manifest that says what they are, can be placed afterwards.
import {
  chunksOf,
  type Descriptor,
  type Digest,
  isDigest,
  isOciError,
  OCTET_STREAM,
  OciError,
  type Store,
  writeBlob,
} from "@toci/spec-types";
import type { Limits } from "../limits.js";
import type { TarEntry } from "../tar-entry.js";
import { readTar } from "../tar-reader.js";
import { cleanPath, parentOf, resolvePath } from "./clean-path.js";
import { hashing } from "./hashing.js";

/** A file of the archive, as the scan left it. */
export interface ScannedFile {
  size: number;
  digest: Digest;
  /** The first bytes (to tell compression). */
  head: Uint8Array;
  /** The content, when it was kept. */
  bytes?: Uint8Array;
  /** Whether it is in the store already. */
  stored: boolean;
}

/** What the scan found. */
export interface Scan {
  files: Map<string, ScannedFile>;
  /** Symlinks and hard links: path → the path they lead to. */
  links: Map<string, string>;
}

/** Small files are kept whatever the source (configs, `json`, `VERSION`); larger ones only from a one-shot stream. */
const SMALL = 1 << 20;
/** A config can hold a long history; 16 MiB is far beyond any real one. */
const MAX_JSON = 16 << 20;
const LAYOUT_BLOB = /^blobs\/([a-z0-9]+(?:[+._-][a-z0-9]+)*)\/([a-zA-Z0-9=_-]+)$/;
/**
 * Layer files that name themselves by a digest: skopeo's docker-archive (`<diff_id hex>.tar`) and
 * go-containerregistry's tarballs (`<digest hex>.tar.gz`). Not a promise (docker's `<id>/layer.tar` ids are not
 * digests): such a file is stored under that digest as it streams by, and only if its bytes agree.
 */
const NAMED_LAYER = /^([a-f0-9]{64})\.tar(?:\.gz)?$/;

export async function scanArchive(
  store: Store,
  tar: ReadableStream<Uint8Array>,
  options: { limits: Limits; keepAll: boolean; maxBufferedBytes: number },
): Promise<Scan> {
  const scan: Scan = { files: new Map(), links: new Map() };
  let buffered = 0;
  for await (const entry of readTar(tar, options.limits)) {
    const path = cleanPath(entry.path);
    if (entry.type === "symlink") scan.links.set(path, resolvePath(parentOf(path), entry.linkTarget!));
    else if (entry.type === "link") scan.links.set(path, cleanPath(entry.linkTarget!));
    if (entry.type !== "file") continue;
    const blob = LAYOUT_BLOB.exec(path);
    const digest = blob && `${blob[1]}:${blob[2]}`;
    if (digest && isDigest(digest)) {
      await writeBlob(store, { mediaType: OCTET_STREAM, digest, size: entry.size }, entry.stream());
      scan.files.set(path, { size: entry.size, digest, head: new Uint8Array(0), stored: true });
      continue;
    }
    const named = NAMED_LAYER.exec(path);
    if (named && entry.size > SMALL) {
      scan.files.set(path, await speculative(store, entry, `sha256:${named[1]}`));
      continue;
    }
    const keep = entry.size <= SMALL || (path.endsWith(".json") && entry.size <= MAX_JSON) || options.keepAll;
    if (keep) {
      buffered += entry.size;
      if (buffered > options.maxBufferedBytes) throw tooMuchBuffered(options.maxBufferedBytes, path);
    }
    scan.files.set(path, await hashed(entry, keep));
  }
  return scan;
}

/** Hashes an entry's content, keeping it when asked. */
async function hashed(entry: TarEntry, keep: boolean): Promise<ScannedFile> {
  const chunks: Uint8Array[] = [];
  const seen = observed(entry.size);
  for await (const chunk of chunksOf(entry.stream().pipeThrough(seen.stream))) if (keep) chunks.push(chunk.slice());
  const file = await seen.file;
  if (keep) file.bytes = concat(chunks, entry.size);
  return file;
}

/**
 * Stores an entry under the digest its name claims, hashing it on the way: stored when the bytes agree; when
 * they do not, nothing is stored (the store refused it) and the real digest is known, for a second read.
 */
async function speculative(store: Store, entry: TarEntry, claimed: Digest): Promise<ScannedFile> {
  const seen = observed(entry.size);
  try {
    await writeBlob(
      store,
      { mediaType: OCTET_STREAM, digest: claimed, size: entry.size },
      entry.stream().pipeThrough(seen.stream),
    );
  } catch (error) {
    if (!isOciError(error) || error.code !== "DIGEST_MISMATCH") throw error;
    return await seen.file;
  }
  // Read to the end (flushed), or not read at all because the store held it already: then its head is read back.
  const file = await Promise.race([seen.file, Promise.resolve(undefined)]);
  const head = file?.head ?? (await headOf(store, { mediaType: OCTET_STREAM, digest: claimed, size: entry.size }));
  return { size: entry.size, digest: claimed, head, stored: true };
}

/** A pass-through that learns an entry's digest and first bytes. */
function observed(size: number): { stream: TransformStream<Uint8Array, Uint8Array>; file: Promise<ScannedFile> } {
  let head = new Uint8Array(0);
  let done!: (file: ScannedFile) => void;
  const file = new Promise<ScannedFile>((resolve) => {
    done = resolve;
  });
  const hashingStream = hashing((digest) => done({ size, digest, head, stored: false }));
  const heading = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (head.byteLength < 8) head = Uint8Array.of(...head, ...chunk.subarray(0, 8 - head.byteLength));
      controller.enqueue(chunk);
    },
  });
  return { stream: { writable: heading.writable, readable: heading.readable.pipeThrough(hashingStream) }, file };
}

async function headOf(store: Store, descriptor: Descriptor): Promise<Uint8Array> {
  const reader = (await store.fetch(descriptor)).getReader();
  const { value } = await reader.read();
  await reader.cancel();
  return (value ?? new Uint8Array(0)).slice(0, 8);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function tooMuchBuffered(limit: number, path: string): OciError {
  return new OciError(
    "TOO_LARGE",
    `${path}: a docker save archive read from a stream keeps its layers in memory until its manifest.json, and ` +
      `they pass the ${limit}-byte limit; pass the archive as a Blob (in Node, fs.openAsBlob(file)) to read it twice instead`,
    { detail: { limit } },
  );
}
