// The optional abilities kept beside the blobs, under ingest/ (which other readers of a layout ignore): upload
// sessions (UploadStateKeeper), so that a push resumes after a reload, as `uploads/<sha256 of the key>.json`, and the
// repositories a blob came from (SourceRecorder), so that a push can mount instead of upload, one per line in
// `sources/<alg>-<hex>`, changed under a Web Lock per blob so that tabs recording at once lose nothing.
import {
  type Digest,
  digestOf,
  guardWebStorage as guard,
  holdWebLock,
  OciError,
  parseDigest,
  requireVerifiable,
  type SourceRecorder,
  type UploadState,
  type UploadStateKeeper,
} from "@toci/spec-types";
import {
  dirIfPresent,
  type Layout,
  partialBase,
  readSmallFile,
  removeIfPresent,
  replaceFile,
  SOURCES_DIR,
  UPLOADS_DIR,
} from "./layout.js";
import { sourcesLock } from "./locks.js";

/** An upload state is a few dozen bytes; 64 KiB leaves room for any honest URL. */
const MAX_UPLOAD_FILE = 64 * 1024;
/** A blob's sources: one repository name (≤ 255 bytes + the host) per line; 1 MiB is thousands of them. */
const MAX_SOURCES_FILE = 1024 * 1024;

async function uploadFile(key: string): Promise<string> {
  return `${parseDigest(await digestOf(key)).encoded}.json`;
}

export function uploadStates(layout: Layout): UploadStateKeeper {
  const dir = () => layout.ingest.getDirectoryHandle(UPLOADS_DIR, { create: true });
  return {
    getUpload: (key) =>
      guard("cannot read upload state", async () => {
        // An oversized or odd state file is no state: the push starts a new session.
        const bytes = await readSmallFile(await dir(), await uploadFile(key), MAX_UPLOAD_FILE);
        const value = bytes && parseJson(bytes);
        if (value?.key !== key || typeof value.location !== "string" || typeof value.offset !== "number") return;
        return { location: value.location, offset: value.offset, updatedAt: Number(value.updatedAt) || 0 };
      }),
    setUpload: (key, state: UploadState) =>
      guard("cannot write upload state", async () => {
        const { location, offset, updatedAt } = state;
        await replaceFile(await dir(), await uploadFile(key), JSON.stringify({ key, location, offset, updatedAt }));
      }),
    deleteUpload: (key) =>
      guard("cannot delete upload state", async () => {
        await removeIfPresent(await dir(), await uploadFile(key));
      }),
  };
}

export function sourceRecorder(layout: Layout): SourceRecorder {
  const dir = () => layout.ingest.getDirectoryHandle(SOURCES_DIR, { create: true });
  const read = async (digest: string): Promise<string[]> => {
    // Sources are hints for mounts: an oversized list is ignored rather than read.
    const bytes = await readSmallFile(await dir(), partialBase(digest), MAX_SOURCES_FILE);
    return bytes ? [...new Set(new TextDecoder().decode(bytes).split("\n"))].filter((line) => line.length > 0) : [];
  };
  return {
    recordSource: (digest, repository) =>
      guard("cannot record a source", async () => {
        requireVerifiable(digest);
        if (/[\r\n]/.test(repository) || repository.length === 0) {
          throw new OciError("INVALID_ARGUMENT", `not a repository name: ${JSON.stringify(repository)}`);
        }
        const release = await holdWebLock(sourcesLock(layout.name, digest));
        try {
          const list = await read(digest);
          if (list.includes(repository)) return;
          await replaceFile(await dir(), partialBase(digest), [...list, repository].map((r) => `${r}\n`).join(""));
        } finally {
          release();
        }
      }),
    sources: (digest) => guard(`cannot read the sources of ${digest}`, () => read(digest)),
  };
}

/** Removes the sources of a blob that goes. */
export async function forgetSources(layout: Layout, digest: string): Promise<void> {
  const dir = await dirIfPresent(layout.ingest, SOURCES_DIR);
  if (dir) await removeIfPresent(dir, partialBase(digest));
}

/** The sources files, with the digest each is about (names that are not `<alg>-<hex>` of a digest are skipped). */
export async function sourceFiles(
  layout: Layout,
): Promise<{ dir: FileSystemDirectoryHandle; name: string; digest: Digest }[]> {
  const dir = await dirIfPresent(layout.ingest, SOURCES_DIR);
  const out: { dir: FileSystemDirectoryHandle; name: string; digest: Digest }[] = [];
  if (!dir) return out;
  for await (const name of dir.keys()) {
    const digest = name.replace("-", ":") as Digest;
    try {
      requireVerifiable(digest);
      out.push({ dir, name, digest });
    } catch {
      // not a file this store wrote
    }
  }
  return out;
}

function parseJson(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
