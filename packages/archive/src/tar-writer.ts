// A streaming tar writer: ustar headers, PAX extended headers for what ustar cannot hold (names past 255 bytes or
// not ASCII, sizes from 8 GiB, big ids or times), content streamed through unchanged. Reproducible by default:
// owner 0, mtime 0, no user or group names.
import { chunksOf, OciError, toOciError } from "@toci/spec-types";
import { formatPax } from "./internal/pax.js";
import { streamFrom } from "./internal/stream-from.js";
import { BLOCK, F, putOctal, seal } from "./internal/tar-header.js";

/** One entry to write. */
export interface TarWriteEntry {
  /** The name in the archive, `/`-separated (written as it is: validate names from strangers first). */
  path: string;
  /** @default "file" */
  type?: "file" | "directory" | "symlink" | "link";
  /** Permission bits. @default 0o644 for files, 0o755 for directories, 0o777 for symlinks */
  mode?: number;
  /** Seconds since the epoch. @default 0 */
  mtime?: number;
  /** @default 0 */
  uid?: number;
  /** @default 0 */
  gid?: number;
  /** A symlink's target, or the entry a hard link repeats. */
  linkTarget?: string;
  /** A file's content. A stream needs `size`; it must deliver exactly that many bytes. */
  data?: Uint8Array | Blob | string | ReadableStream<Uint8Array>;
  /** The content's size: required for a stream, checked against anything else. */
  size?: number;
}

const encoder = new TextEncoder();
const ASCII = /^[\x20-\x7e]*$/;

/** A tar archive of `entries`, written as it is read (the end-of-archive marker last). */
export function tarStream(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>): ReadableStream<Uint8Array> {
  return streamFrom(tarChunks(entries), (error) => toOciError(error, "INVALID_ARGUMENT"));
}

async function* tarChunks(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>): AsyncGenerator<Uint8Array> {
  for await (const entry of entries) {
    const type = entry.type ?? "file";
    const data = type === "file" ? (entry.data ?? new Uint8Array(0)) : undefined;
    const size = data === undefined ? 0 : (entry.size ?? knownSize(data));
    if (size === undefined) throw new OciError("INVALID_ARGUMENT", `tar entry ${entry.path}: a stream needs a size`);
    yield* headerBlocks(entry, type, size);
    if (data === undefined) continue;
    let written = 0;
    for await (const chunk of chunksOf(data)) {
      written += chunk.byteLength;
      if (written > size) break;
      yield chunk;
    }
    if (written !== size) {
      throw new OciError("SIZE_MISMATCH", `tar entry ${entry.path}: expected ${size} bytes, got ${written}`);
    }
    if (size % BLOCK) yield new Uint8Array(BLOCK - (size % BLOCK));
  }
  yield new Uint8Array(2 * BLOCK);
}

function knownSize(data: Uint8Array | Blob | string | ReadableStream<Uint8Array>): number | undefined {
  if (typeof data === "string") return encoder.encode(data).byteLength;
  if (data instanceof Uint8Array) return data.byteLength;
  if (typeof Blob !== "undefined" && data instanceof Blob) return data.size;
  return undefined;
}

function* headerBlocks(entry: TarWriteEntry, type: string, size: number): Generator<Uint8Array> {
  const header = new Uint8Array(BLOCK);
  const pax = new Map<string, string>();
  const name = type === "directory" && !entry.path.endsWith("/") ? `${entry.path}/` : entry.path;
  if (!putName(header, name)) pax.set("path", name);
  const link = entry.linkTarget ?? "";
  if (link && (!ASCII.test(link) || encoder.encode(link).length > 100)) pax.set("linkpath", link);
  else header.set(encoder.encode(link), F.linkname[0]);
  const mode = entry.mode ?? (type === "directory" ? 0o755 : type === "symlink" ? 0o777 : 0o644);
  putOctal(header, F.mode, mode & 0o7777);
  for (const [key, field, value] of [
    ["uid", F.uid, entry.uid ?? 0],
    ["gid", F.gid, entry.gid ?? 0],
    ["size", F.size, size],
    ["mtime", F.mtime, Math.max(0, Math.floor(entry.mtime ?? 0))],
  ] as const) {
    if (!putOctal(header, field, value)) pax.set(key, String(value));
  }
  header[156] = { file: 0x30, link: 0x31, symlink: 0x32, directory: 0x35 }[type] ?? 0x30;
  header.set(encoder.encode("ustar\u000000"), F.magic[0]);
  seal(header);
  if (pax.size > 0) {
    const body = formatPax(pax);
    const paxHeader = new Uint8Array(BLOCK);
    putName(paxHeader, "PaxHeader");
    putOctal(paxHeader, F.mode, 0o644);
    putOctal(paxHeader, F.size, body.byteLength);
    paxHeader[156] = 0x78; // 'x': applies to the next entry
    paxHeader.set(encoder.encode("ustar\u000000"), F.magic[0]);
    seal(paxHeader);
    yield paxHeader;
    yield body;
    if (body.byteLength % BLOCK) yield new Uint8Array(BLOCK - (body.byteLength % BLOCK));
  }
  yield header;
}

/** Writes a name into the ustar name (and prefix) fields; false when it needs PAX (too long, or not ASCII). */
function putName(header: Uint8Array, name: string): boolean {
  if (!ASCII.test(name)) {
    header.set(encoder.encode(name.replace(/[^\x20-\x7e]/g, "_").slice(0, 100)), 0);
    return false;
  }
  if (name.length <= 100) {
    header.set(encoder.encode(name), 0);
    return true;
  }
  // ustar splits a long name at a slash: up to 155 bytes of prefix, up to 100 of name.
  for (let cut = name.indexOf("/"); cut !== -1 && cut <= 155; cut = name.indexOf("/", cut + 1)) {
    const rest = name.length - cut - 1;
    if (cut > 0 && rest > 0 && rest <= 100) {
      header.set(encoder.encode(name.slice(cut + 1)), 0);
      header.set(encoder.encode(name.slice(0, cut)), F.prefix[0]);
      return true;
    }
  }
  header.set(encoder.encode(name.slice(0, 100)), 0);
  return false;
}
