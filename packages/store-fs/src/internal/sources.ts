// Where blobs came from (SourceRecorder): ingest/sources/<alg>-<hex>, one line per repository. A push offers them to
// the registry as mount sources, so they must be this store's own records: a layout received from elsewhere (a
// tarball, a shared directory) may ship a sources file naming a private repository of the push's target registry,
// and mounting from it would have the pusher's credentials copy a blob they never had into a public repository (a
// confused deputy). Nothing in a layout's files can tell its own records from shipped ones, since whoever shipped the
// layout wrote them all; what the local file system assigns can. So each record names the blob file it was made for
// by its inode and change time, which the kernel sets when the file is created here (a tar extraction, a copy or an
// rsync makes new ones that the sender cannot predict, to the nanosecond), and a record counts only while the blob
// file is that same file. The store never changes a committed blob's file, so its own records stay valid; a blob
// replaced (removed and pulled again) or a layout copied elsewhere loses them, and a push then uploads instead.
// A file is appended to with O_APPEND, one line per write, which is atomic: concurrent pulls need no lock, and
// duplicates are dropped on read. Records are hints: an oversized or unreadable file reads as nothing.
import { type Digest, OciError, type SourceRecorder, toOciError } from "@toci/spec-types";
import { errorCode } from "../fs-api.js";
import { blobPath } from "./blobs.js";
import { APPEND_FLAGS, storeOp } from "./files.js";
import { type Layout, sourcesPath } from "./layout.js";
import { readSmall } from "./read-small.js";

/** A blob's sources: one repository name (≤ 255 bytes + the host) and a file identity per line; 1 MiB is thousands. */
const MAX_SOURCES_FILE = 1024 * 1024;
/** The identity written for a blob that is not (yet) stored: no file will ever have it. */
const NO_FILE = "-";

/** Blob sources kept in the layout, each bound to the blob file it was recorded for. */
export function blobSources(layout: Layout): SourceRecorder {
  const { fs, paths } = layout;
  return {
    async recordSource(digest: Digest, repository: string) {
      layout.writable();
      const path = sourcesPath(layout, digest);
      if (/[\r\n\t]/.test(repository) || repository.length === 0) {
        throw new OciError("INVALID_ARGUMENT", `not a repository name: ${JSON.stringify(repository)}`);
      }
      await storeOp("cannot record a source", async () => {
        const line = new TextEncoder().encode(`${repository}\t${(await fileIdentity(layout, digest)) ?? NO_FILE}\n`);
        // ingest/sources/ exists after the first record: made then, not at every one (a pull records every blob).
        const handle = await fs.open(path, APPEND_FLAGS).catch(async (error: unknown) => {
          if (errorCode(error) !== "ENOENT") throw error;
          await fs.mkdir(paths.sources, { recursive: true });
          return fs.open(path, APPEND_FLAGS);
        });
        try {
          await handle.write(line, 0, line.length, null);
        } finally {
          await handle.close();
        }
      });
    },
    async sources(digest: Digest) {
      try {
        const identity = await fileIdentity(layout, digest);
        if (identity === undefined) return [];
        // Sources are hints for mounts: an oversized list is ignored rather than read.
        const bytes = await readSmall(fs, sourcesPath(layout, digest), MAX_SOURCES_FILE);
        if (!bytes) return [];
        const out = new Set<string>();
        for (const line of new TextDecoder().decode(bytes).split("\n")) {
          const tab = line.lastIndexOf("\t");
          // A line without an identity (an older toci's, or anyone's) is not this store's record.
          if (tab > 0 && line.slice(tab + 1) === identity) out.add(line.slice(0, tab));
        }
        return [...out];
      } catch (error) {
        if (errorCode(error) === "ENOENT") return [];
        throw toOciError(error, "STORE", `cannot read the sources of ${digest}`);
      }
    },
  };
}

/**
 * The stored blob file of `digest` as this file system knows it (inode and change time), or undefined when there is
 * no such regular file or the file system says neither.
 */
async function fileIdentity(layout: Layout, digest: Digest): Promise<string | undefined> {
  let stats: Awaited<ReturnType<typeof layout.fs.lstat>>;
  try {
    stats = await layout.fs.lstat(blobPath(layout, digest));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  const { ino, ctimeMs } = stats;
  if (!stats.isFile() || typeof ino !== "number" || typeof ctimeMs !== "number" || !ino) return undefined;
  return `${ino}:${ctimeMs}`;
}
