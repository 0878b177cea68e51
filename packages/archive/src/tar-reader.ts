// A streaming tar reader for hostile input (POSIX pax/ustar, GNU long names, v7): one entry at a time, content
// handed out as zero-copy slices of the incoming chunks, every cap of ArchiveLimits checked before the bytes past it
// are read. Whatever goes wrong comes out as an OciError: INVALID_ARGUMENT for an archive that breaks the format
// (bad checksum, truncation, malformed PAX), TOO_LARGE for a cap, UNSUPPORTED for GNU sparse and multi-volume.
import { OciError, readAll } from "@toci/spec-types";
import { ByteSource } from "./internal/byte-source.js";
import { asInvalid, invalid, tooLarge, truncated } from "./internal/errors.js";
import { parsePax, paxInteger } from "./internal/pax.js";
import { BLOCK, checksumOk, F, number, text } from "./internal/tar-header.js";
import { type ArchiveLimits, limitsOf } from "./limits.js";
import type { EntryHeader, EntryType, TarEntry } from "./tar-entry.js";

/** Extended headers and GNU long names are metadata: 1 MiB is far beyond any real one (Go's archive/tar agrees). */
const MAX_META_BYTES = 1 << 20;
const DEFAULT_BYTES_CAP = 4 * 1024 * 1024;

const TYPES: Readonly<Record<string, EntryType>> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "link",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "directory",
  "6": "fifo",
  D: "directory",
};

/**
 * The entries of an uncompressed tar stream, in order. Ends at the end-of-archive marker (the rest of the stream
 * is read and dropped, so that a verifying source sees all of its bytes); an empty stream is an empty archive.
 */
export async function* readTar(
  stream: ReadableStream<Uint8Array>,
  options: ArchiveLimits = {},
): AsyncGenerator<TarEntry> {
  const limits = limitsOf(options);
  const src = new ByteSource(stream);
  const pax = new Map<string, string>();
  let entries = 0;
  try {
    for (;;) {
      const header = await src.read(BLOCK);
      if (!header) {
        if (src.position === 0) return;
        throw truncated("no end-of-archive marker");
      }
      if (header.every((b) => b === 0)) return await drain(src, limits);
      if (!checksumOk(header)) throw invalid(`bad tar header checksum at byte ${src.position - BLOCK}`);
      const flag = String.fromCharCode(header[156]!);
      const meta = "xgLK".includes(flag);
      const size = !meta && pax.has("size") ? paxInteger(pax.get("size")!, "size") : number(header, F.size, "size");
      const padded = size + ((BLOCK - (size % BLOCK)) % BLOCK);
      if (src.position + padded > limits.maxTotalBytes) throw tooLarge("the tar", limits.maxTotalBytes);
      if (++entries > limits.maxEntries) throw new OciError("TOO_LARGE", `more than ${limits.maxEntries} tar entries`);
      if (await readMeta(src, { flag, size, padded }, pax)) continue;
      const head = headerOf(header, flag, size, pax);
      pax.clear();
      if (head.size > limits.maxEntryBytes)
        throw tooLarge(`tar entry ${JSON.stringify(head.path)}`, limits.maxEntryBytes);
      if (flag === "V" || flag === "D") {
        await src.skip(padded); // a volume label, a GNU dump-dir's listing: no file content
        if (flag === "V") continue;
        head.size = 0;
        yield entry(head, new Body(src, 0, 0));
        continue;
      }
      const body = new Body(src, head.size, padded - head.size);
      yield entry(head, body);
      await body.finish();
    }
  } catch (error) {
    throw asInvalid(error, "unreadable tar");
  } finally {
    await src.cancel();
  }
}

/** Reads an extended header or GNU long name into `pax`; false when the entry is not metadata. */
async function readMeta(
  src: ByteSource,
  { flag, size, padded }: { flag: string; size: number; padded: number },
  pax: Map<string, string>,
): Promise<boolean> {
  if (flag === "S" || flag === "M" || flag === "N") {
    throw new OciError("UNSUPPORTED", `GNU ${flag === "S" ? "sparse" : "multi-volume"} tar entries are not supported`);
  }
  if (flag !== "x" && flag !== "g" && flag !== "L" && flag !== "K") return false;
  if (size > MAX_META_BYTES) throw tooLarge("a tar extended header", MAX_META_BYTES);
  const body = (await src.read(size)) ?? new Uint8Array(0);
  if (body.byteLength < size) throw truncated("in an extended header");
  await src.skip(padded - size);
  if (flag === "x") parsePax(body, pax);
  else if (flag === "g")
    parsePax(body, new Map()); // global records: checked, not applied (as Go's reader)
  else pax.set(flag === "L" ? "path" : "linkpath", text(body, [0, body.length]));
  for (const key of pax.keys()) {
    if (key.startsWith("GNU.sparse.")) throw new OciError("UNSUPPORTED", "GNU sparse tar entries are not supported");
  }
  return true;
}

function headerOf(header: Uint8Array, flag: string, size: number, pax: Map<string, string>): EntryHeader {
  const posix = text(header, F.magic) === "ustar"; // "ustar\0" "00"; GNU writes "ustar  \0" and no prefix field
  let path = text(header, F.name);
  const prefix = posix ? text(header, F.prefix) : "";
  if (prefix) path = `${prefix}/${path}`;
  path = pax.get("path") ?? path;
  let type = TYPES[flag] ?? "file";
  if ((flag === "0" || flag === "\0") && path.endsWith("/")) type = "directory"; // v7 marked directories by name
  if (type !== "file" && flag !== "D" && size !== 0) {
    throw invalid(`tar entry ${JSON.stringify(path)} is a ${type} with ${size} bytes of content`);
  }
  if (!path) throw invalid("a tar entry without a name");
  const head: EntryHeader = {
    path,
    type,
    size,
    mode: number(header, F.mode, "mode") & 0o7777,
    uid: pax.has("uid") ? paxInteger(pax.get("uid")!, "uid") : number(header, F.uid, "uid"),
    gid: pax.has("gid") ? paxInteger(pax.get("gid")!, "gid") : number(header, F.gid, "gid"),
    mtime: pax.has("mtime") ? Math.floor(Number(pax.get("mtime"))) || 0 : number(header, F.mtime, "mtime"),
  };
  if (type === "symlink" || type === "link") {
    head.linkTarget = pax.get("linkpath") ?? text(header, F.linkname);
    if (!head.linkTarget) throw invalid(`tar ${type} ${JSON.stringify(path)} has no target`);
  }
  return head;
}

/** Reads what follows the end-of-archive marker (zero padding, usually), within the caps. */
async function drain(src: ByteSource, limits: Required<ArchiveLimits>): Promise<void> {
  while (await src.take(Number.MAX_SAFE_INTEGER)) {
    if (src.position > limits.maxTotalBytes) throw tooLarge("the tar", limits.maxTotalBytes);
  }
}

function entry(head: EntryHeader, body: Body): TarEntry {
  return {
    ...head,
    stream: () => body.stream(),
    bytes: (maxBytes = DEFAULT_BYTES_CAP) => readAll(body.stream(), maxBytes),
  };
}

/** An entry's content: handed out once, skipped when the iteration moves on. */
class Body {
  #busy: Promise<void> = Promise.resolve();
  #opened = false;
  #closed = false;

  constructor(
    private readonly src: ByteSource,
    private left: number,
    private readonly padding: number,
  ) {}

  stream(): ReadableStream<Uint8Array> {
    if (this.#opened) throw invalid("a tar entry's content can be read once");
    this.#opened = true;
    return new ReadableStream<Uint8Array>({
      pull: (controller) => {
        this.#busy = this.#pull(controller);
        return this.#busy;
      },
    });
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    try {
      if (this.#closed) throw invalid("a tar entry's content was read after the iteration moved on");
      if (this.left > 0) {
        const part = await this.src.take(this.left);
        if (!part) throw truncated(`inside an entry, ${this.left} bytes short`);
        this.left -= part.byteLength;
        controller.enqueue(part);
      }
      if (this.left === 0) controller.close();
    } catch (error) {
      controller.error(asInvalid(error, "unreadable tar"));
    }
  }

  async finish(): Promise<void> {
    this.#closed = true;
    await this.#busy;
    await this.src.skip(this.left + this.padding);
    this.left = 0;
  }
}
