// The files of ingests in ingest/, and who may take them over:
//   ingest/<alg>-<hex>                 a closed partial, waiting to be resumed (or swept by gc)
//   ingest/<alg>-<hex>.<writer>        the file of one writer (liveness.ts says what <writer> records); abandoned
//                                      when that writer is gone, then resumed like a closed partial or swept
//   ingest/tmp.<writer>                a temp file of index.json, an upload state or a new layout file
// Only regular files are ever claimed: a symbolic link planted under a partial's name would otherwise have the
// blob's bytes written through it, wherever it points.
import { dirname, join } from "node:path";
import { type Digest, type Hasher, parseDigest, requireVerifiable } from "@toci/spec-types";
import type { FsFileHandle, FsPromises } from "../fs-api.js";
import { isStorable } from "./blobs.js";
import { unlinkIfPresent } from "./files.js";
import { newWriterTag, parseWriterTag, processLives } from "./liveness.js";

/** Re-hashing a resumed partial reads it in 1 MiB pieces into one buffer. */
const READ_CHUNK = 1024 * 1024;

/** Files of live writers in this process, so that gc and resuming writers leave them alone. */
const activeFiles = new Set<string>();

/** The names of one writer's files for a blob. */
export interface WriterFiles {
  /** ingest/<alg>-<hex>: where a closed partial waits. */
  closed: string;
  /** ingest/<alg>-<hex>.<writer>: this writer's own file. */
  own: string;
  /** `<alg>-<hex>`, the prefix of every file of this blob. */
  base: string;
}

/** Names a new writer's files for `digest` and marks its own file live in this process until {@link release}. */
export function writerFiles(ingestDir: string, digest: Digest): WriterFiles {
  const base = `${requireVerifiable(digest)}-${parseDigest(digest).encoded}`;
  const own = join(ingestDir, `${base}.${newWriterTag()}`);
  activeFiles.add(own);
  return { closed: join(ingestDir, base), own, base };
}

/** The writer of `files` is done with its own file (committed, discarded or closed). */
export function release(files: WriterFiles): void {
  activeFiles.delete(files.own);
}

/** Whether a writer's file (`tag`: what follows `<alg>-<hex>.` or `tmp.`) belongs to no live writer. */
export function isAbandoned(path: string, tag: string, mtimeMs: number): boolean {
  if (activeFiles.has(path)) return false;
  const writer = parseWriterTag(tag);
  if (!writer) return false; // not a name toci writes: somebody else's, left alone
  // A file of this very process that no writer holds was closed or left by a failed writer.
  return writer.pid === process.pid || !processLives(writer, mtimeMs);
}

/**
 * Takes over the largest abandoned partial of `files.base` among `names` (what ingest/ holds: ingest-listing.ts) by
 * renaming it to `files.own` (rename is atomic, so two writers never claim the same file). Returns its size, or
 * undefined when there was none. A name that is gone (taken by another writer, swept) is dropped from `names`.
 */
export async function claimPartial(
  fs: FsPromises,
  names: Set<string>,
  files: WriterFiles,
): Promise<number | undefined> {
  const dir = dirname(files.own);
  const candidates: { name: string; path: string; size: number }[] = [];
  for (const name of names) {
    if (name !== files.base && !name.startsWith(`${files.base}.`)) continue;
    const path = join(dir, name);
    const stats = await fs.lstat(path).catch(() => undefined);
    if (!stats) names.delete(name);
    if (!stats?.isFile()) continue; // a link or anything else is not a partial toci wrote
    if (name !== files.base && !isAbandoned(path, name.slice(files.base.length + 1), stats.mtimeMs)) continue;
    candidates.push({ name, path, size: stats.size });
  }
  candidates.sort((a, b) => b.size - a.size);
  for (const candidate of candidates) {
    names.delete(candidate.name);
    try {
      await fs.rename(candidate.path, files.own);
      return candidate.size;
    } catch {
      // claimed by someone else in the meantime: try the next one
    }
  }
  return undefined;
}

/** Feeds the first `size` bytes of a resumed partial to `hasher` (stored bytes are re-hashed, never trusted). */
export async function rehash(handle: FsFileHandle, hasher: Hasher, size: number): Promise<number> {
  const buffer = new Uint8Array(Math.min(READ_CHUNK, Math.max(size, 1)));
  let position = 0;
  while (position < size) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
    if (bytesRead === 0) break;
    hasher.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return position;
}

/** Deletes closed partials, temp files and the files of writers that are gone; returns the partials' digests. */
export async function sweepIngest(fs: FsPromises, dir: string): Promise<Digest[]> {
  const swept: Digest[] = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const match = /^(sha256|sha512)-([a-f0-9]+)(?:\.(.+))?$/.exec(name);
    const tag = match ? match[3] : /^tmp\.(.+)$/.exec(name)?.[1];
    if (!match && tag === undefined) continue; // the lock, uploads/, unknown files
    const path = join(dir, name);
    if (tag !== undefined) {
      const stats = await fs.lstat(path).catch(() => undefined);
      if (!stats || !isAbandoned(path, tag, stats.mtimeMs)) continue;
    }
    await unlinkIfPresent(fs, path).catch(() => {});
    const digest = match && `${match[1]}:${match[2]}`;
    if (digest && isStorable(digest) && !swept.includes(digest as Digest)) swept.push(digest as Digest);
  }
  return swept;
}
