// Where blobs came from (SourceRecorder): records in ingest/sources/log (source-log.ts), and, from an earlier toci,
// files ingest/sources/<alg>-<hex> of one repository a line, still read. A push offers them to the registry as mount
// sources, so they must be this store's own records: a layout received from elsewhere (a tarball, a shared
// directory) may ship records naming a private repository of the push's target registry, and mounting from it would
// have the pusher's credentials copy a blob they never had into a public repository (a confused deputy). Nothing in a
// layout's files can tell its own records from shipped ones, since whoever shipped the layout wrote them all; what
// the local file system assigns can. So each record names the blob file it was made for by its inode and change
// time, which the kernel sets when the file is created here (a tar extraction, a copy or an rsync makes new ones that
// the sender cannot predict, to the nanosecond), and a record counts only while the blob file is that same file. The
// store never changes a committed blob's file, so its own records stay valid; a blob replaced (removed and pulled
// again) or a layout copied elsewhere loses them, and a push then uploads instead. A record for a blob not stored
// would name no file and is not written. Records are hints: an oversized or unreadable file reads as nothing.
import {
  type BatchSourceRecorder,
  type Digest,
  OciError,
  requireVerifiable,
  type SourceRecord,
  type SourceRecorder,
  toOciError,
} from "@toci/spec-types";
import { errorCode } from "../fs-api.js";
import { fileIdentity } from "./blobs.js";
import { storeOp } from "./files.js";
import { type Layout, sourcesPath } from "./layout.js";
import { readSmall } from "./read-small.js";
import { sourceLog } from "./source-log.js";

/** An earlier toci's file of one blob's sources: a repository name and a file identity a line; 1 MiB is thousands. */
const MAX_SOURCES_FILE = 1024 * 1024;

/** Blob sources kept in the layout, each bound to the blob file it was recorded for. */
export function blobSources(layout: Layout): SourceRecorder & BatchSourceRecorder {
  const log = sourceLog(layout);
  const recordSources = async (records: readonly SourceRecord[]): Promise<void> => {
    layout.writable();
    for (const { digest, repository } of records) {
      requireVerifiable(digest);
      if (/[\r\n\t]/.test(repository) || repository.length === 0) {
        throw new OciError("INVALID_ARGUMENT", `not a repository name: ${JSON.stringify(repository)}`);
      }
    }
    await storeOp("cannot record sources", async () => {
      const identities = await Promise.all(records.map(({ digest }) => fileIdentity(layout, digest)));
      const lines = records.map(({ digest, repository }, i) =>
        identities[i] === undefined ? "" : `${digest}\t${repository}\t${identities[i]}\n`,
      );
      const text = lines.join("");
      if (text.length > 0) await log.append(text);
    });
  };
  return {
    recordSource: (digest: Digest, repository: string) => recordSources([{ digest, repository }]),
    recordSources,
    async sources(digest: Digest) {
      try {
        const identity = await fileIdentity(layout, digest);
        if (identity === undefined) return [];
        const out = new Set<string>();
        for (const record of await log.lookup(digest)) if (record.identity === identity) out.add(record.repository);
        for (const repository of await earlierSources(layout, digest, identity)) out.add(repository);
        return [...out];
      } catch (error) {
        if (errorCode(error) === "ENOENT") return [];
        throw toOciError(error, "STORE", `cannot read the sources of ${digest}`);
      }
    },
  };
}

/** The repositories an earlier toci recorded for `digest`'s blob file `identity` (ingest/sources/<alg>-<hex>). */
async function earlierSources(layout: Layout, digest: Digest, identity: string): Promise<string[]> {
  let bytes: Uint8Array | undefined;
  try {
    // Sources are hints for mounts: an oversized list is ignored rather than read.
    bytes = await readSmall(layout.fs, sourcesPath(layout, digest), MAX_SOURCES_FILE);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    throw error;
  }
  const out: string[] = [];
  for (const line of new TextDecoder().decode(bytes ?? new Uint8Array()).split("\n")) {
    const tab = line.lastIndexOf("\t");
    // A line without an identity (a still earlier toci's, or anyone's) is not this store's record.
    if (tab > 0 && line.slice(tab + 1) === identity) out.push(line.slice(0, tab));
  }
  return out;
}
