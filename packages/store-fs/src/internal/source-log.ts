// The log of blob sources (sources.ts says why each record names its blob file): ingest/sources/log, one record a
// line, `<digest>\t<repository>\t<inode>:<ctime>\n`. A pull appends all of its records in one write, where a file per
// blob cost an open, a write and a close for each of them (200 × 64 KiB: 600 of a pull's ~2000 file system calls).
// Appends use O_APPEND, which places each write at the end atomically against other appenders: concurrent pulls
// need no lock.
// A line counts only whole and well formed. A write cut short (a full disk, a crash) leaves a torn last line; every
// append starts with a newline, which ends it there, so the records after it stay whole, and a torn record never
// names its blob file's identity (cut before it, the line has too few fields; cut inside it, a shorter number). A
// reader keeps what it parsed and reads only what was appended since: the log only grows, until a compaction gives
// it a new inode.
// Compaction: when an append takes the log past a multiple of COMPACT_EVERY, the appender renames it aside, appends
// the records that still name their blob file (once each) to a new log, and deletes the aside file. A record
// appended to the old log between that rename and the read is lost: records are hints (a push then uploads).
import { join } from "node:path";
import { errorCode } from "../fs-api.js";
import { fileIdentity, isStorable } from "./blobs.js";
import { APPEND_FLAGS, tempPath, unlinkIfPresent } from "./files.js";
import type { Layout } from "./layout.js";
import { openRegular, readSmall } from "./read-small.js";

/** The log's name in ingest/sources/ (blob digests name the older per-blob files there: `<alg>-<hex>`). */
export const SOURCE_LOG = "log";
/** A record is ~150 bytes (a digest, a registry and repository, an identity): 16 MiB is ~100 000 of them. */
const MAX_LOG = 16 * 1024 * 1024;
/** ~7 000 records: a compaction every few dozen pulls of 200 blobs, reading at most a few MiB and stat'ing each blob. */
const COMPACT_EVERY = 1024 * 1024;

/** One record as read: the repository and the identity of the blob file it was made for. */
export interface LoggedSource {
  repository: string;
  identity: string;
}

/** The log of one store: appends, and lookups from what was parsed so far. */
export interface SourceLog {
  /** Appends `text` (whole lines, each ending with a newline) in one write. */
  append(text: string): Promise<void>;
  /** The records of `digest`, whatever file they name. */
  lookup(digest: string): Promise<LoggedSource[]>;
}

/** What a reader parsed of the log: up to `offset` of the file with inode `ino`, `size` bytes long when read. */
interface LogView {
  ino: number | undefined;
  size: number;
  offset: number;
  records: Map<string, LoggedSource[]>;
}

/** The source log of `layout`. */
export function sourceLog(layout: Layout): SourceLog {
  const path = join(layout.paths.sources, SOURCE_LOG);
  let view: LogView | undefined;
  let refreshing: Promise<LogView | undefined> | undefined;
  // One refresh at a time: a push looks up many blobs at once, and each would read the same appended bytes.
  const refreshed = (): Promise<LogView | undefined> => {
    refreshing ??= refresh(layout, path, view).finally(() => {
      refreshing = undefined;
    });
    return refreshing.then((next) => {
      view = next;
      return next;
    });
  };
  return {
    async append(text: string) {
      const bytes = new TextEncoder().encode(`\n${text}`);
      const size = await appendBytes(layout, path, bytes);
      // A lookup from now on reads what was just appended, not what a refresh under way found before it.
      refreshing = undefined;
      if (Math.floor(size / COMPACT_EVERY) > Math.floor((size - bytes.length) / COMPACT_EVERY)) {
        await compactSourceLog(layout).catch(() => {});
      }
    },
    async lookup(digest: string) {
      return (await refreshed())?.records.get(digest) ?? [];
    },
  };
}

/** Appends `bytes` to the log at `path` (made with ingest/sources/ when absent); the log's size after. */
async function appendBytes(layout: Layout, path: string, bytes: Uint8Array): Promise<number> {
  const { fs, paths } = layout;
  // ingest/sources/ exists after the first record: made then, not checked at every append.
  const handle = await fs.open(path, APPEND_FLAGS).catch(async (error: unknown) => {
    if (errorCode(error) !== "ENOENT") throw error;
    await fs.mkdir(paths.sources, { recursive: true });
    return fs.open(path, APPEND_FLAGS);
  });
  try {
    // A regular file takes a write whole but for a full disk; the rest then lands after any other appender's
    // lines, and the torn line reads as nothing (see the header).
    let at = 0;
    while (at < bytes.length) at += (await handle.write(bytes, at, bytes.length - at, null)).bytesWritten;
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

/**
 * The view of the log brought up to date: unchanged when the file is (one lstat), extended by what was appended, or
 * read anew when the log was compacted (another inode). Undefined when there is no log or it is over MAX_LOG.
 */
async function refresh(layout: Layout, path: string, view: LogView | undefined): Promise<LogView | undefined> {
  const { fs } = layout;
  let stats: Awaited<ReturnType<typeof fs.lstat>>;
  try {
    stats = await fs.lstat(path);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  if (view && view.ino === stats.ino && view.size === stats.size) return view;
  // Read anyway when it is not a regular file: openRegular refuses it with STORE, as every file of the layout.
  if (stats.isFile() && stats.size > MAX_LOG) return undefined;
  const { handle, stats: opened } = await openRegular(fs, path);
  try {
    if (opened.size > MAX_LOG) return undefined;
    const next =
      view && view.ino === opened.ino && view.offset <= opened.size
        ? { ...view, size: opened.size }
        : { ino: opened.ino, size: opened.size, offset: 0, records: new Map<string, LoggedSource[]>() };
    const bytes = new Uint8Array(opened.size - next.offset);
    let length = 0;
    while (length < bytes.length) {
      const { bytesRead } = await handle.read(bytes, length, bytes.length - length, next.offset + length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    next.offset += parseLines(bytes.subarray(0, length), next.records);
    return next;
  } finally {
    await handle.close().catch(() => {});
  }
}

/** Adds the well-formed whole lines of `bytes` to `records`; returns how many bytes the whole lines took. */
function parseLines(bytes: Uint8Array, records: Map<string, LoggedSource[]>): number {
  const end = bytes.lastIndexOf(0x0a) + 1;
  if (end === 0) return 0;
  for (const line of new TextDecoder().decode(bytes.subarray(0, end - 1)).split("\n")) {
    const record = parseRecord(line);
    if (!record) continue;
    const list = records.get(record.digest);
    if (list) list.push(record);
    else records.set(record.digest, [record]);
  }
  return end;
}

/** One line as a record, or undefined when it is not exactly a digest, a repository and an identity. */
function parseRecord(line: string): (LoggedSource & { digest: string }) | undefined {
  const fields = line.split("\t");
  if (fields.length !== 3) return undefined;
  const [digest, repository, identity] = fields as [string, string, string];
  if (!isStorable(digest) || repository.length === 0 || !/^\d+:[\d.]+$/.test(identity)) return undefined;
  return { digest, repository, identity };
}

/** Rewrites the log with only the records that still name their blob file, once each (see the header). */
export async function compactSourceLog(layout: Layout): Promise<void> {
  const { fs, paths } = layout;
  const path = join(paths.sources, SOURCE_LOG);
  const aside = tempPath(paths.sources);
  try {
    await fs.rename(path, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return; // no log, or another process compacts it
    throw error;
  }
  try {
    const bytes = await readSmall(fs, aside, MAX_LOG);
    const records = new Map<string, LoggedSource[]>();
    if (bytes) parseLines(bytes, records);
    const kept = new Set<string>();
    const digests = [...records.keys()];
    const identities = await Promise.all(digests.map((digest) => fileIdentity(layout, digest)));
    for (const [i, digest] of digests.entries()) {
      const identity = identities[i];
      for (const record of records.get(digest) ?? []) {
        if (record.identity === identity) kept.add(`${digest}\t${record.repository}\t${identity}\n`);
      }
    }
    if (kept.size > 0) await appendBytes(layout, path, new TextEncoder().encode(`\n${[...kept].join("")}`));
  } finally {
    await unlinkIfPresent(fs, aside);
  }
}
