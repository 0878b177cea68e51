// What the store keeps for the client besides blobs and roots (optional abilities of the Store contract):
//   ingest/uploads/<sha256 of key>.json   an upload session to resume after a restart (UploadStateKeeper)
//   ingest/sources/<alg>-<hex>            the repositories a blob came from, one per line (SourceRecorder)
// A sources file is appended to with O_APPEND, one line per write, which is atomic: concurrent pulls need no lock,
// and duplicates are dropped on read. Both are hints: an oversized or unreadable file reads as nothing.
import { join } from "node:path";
import {
  type Digest,
  digestOf,
  OciError,
  parseDigest,
  type SourceRecorder,
  toOciError,
  type UploadState,
  type UploadStateKeeper,
} from "@toci/spec-types";
import { errorCode } from "../fs-api.js";
import { APPEND_FLAGS, parseJsonObject, replaceFile, storeOp, unlinkIfPresent } from "./files.js";
import { type Layout, MAX_SMALL_FILE, sourcesPath } from "./layout.js";
import { readSmall } from "./read-small.js";

/** A blob's sources: one repository name (≤ 255 bytes + the host) per line; 1 MiB is thousands of them. */
const MAX_SOURCES_FILE = 1024 * 1024;

/** Upload sessions kept in the layout. */
export function uploadStates(layout: Layout): UploadStateKeeper {
  const { fs, paths } = layout;
  const uploadPath = async (key: string): Promise<string> =>
    join(paths.uploads, `${parseDigest(await digestOf(key)).encoded}.json`);
  return {
    async getUpload(key) {
      try {
        // An oversized state file is no state: the push starts a new session.
        const bytes = await readSmall(fs, await uploadPath(key), MAX_SMALL_FILE);
        const value = bytes && parseJsonObject(bytes);
        if (typeof value?.location !== "string" || typeof value.offset !== "number") return undefined;
        return { location: value.location, offset: value.offset, updatedAt: Number(value.updatedAt) || 0 };
      } catch (error) {
        if (errorCode(error) === "ENOENT") return undefined;
        throw toOciError(error, "STORE", "cannot read upload state");
      }
    },
    async setUpload(key, state: UploadState) {
      layout.writable();
      const path = await uploadPath(key);
      const { location, offset, updatedAt } = state;
      await storeOp("cannot write upload state", async () => {
        await fs.mkdir(paths.uploads, { recursive: true });
        await replaceFile(fs, path, JSON.stringify({ key, location, offset, updatedAt }), paths.ingest);
      });
    },
    async deleteUpload(key) {
      layout.writable();
      const path = await uploadPath(key);
      await storeOp("cannot delete upload state", () => unlinkIfPresent(fs, path));
    },
  };
}

/** Blob sources kept in the layout. */
export function blobSources(layout: Layout): SourceRecorder {
  const { fs, paths } = layout;
  return {
    async recordSource(digest: Digest, repository: string) {
      layout.writable();
      const path = sourcesPath(layout, digest);
      if (/[\r\n]/.test(repository) || repository.length === 0) {
        throw new OciError("INVALID_ARGUMENT", `not a repository name: ${JSON.stringify(repository)}`);
      }
      await storeOp("cannot record a source", async () => {
        // ingest/sources/ exists after the first record: made then, not at every one (a pull records every blob).
        const handle = await fs.open(path, APPEND_FLAGS).catch(async (error: unknown) => {
          if (errorCode(error) !== "ENOENT") throw error;
          await fs.mkdir(paths.sources, { recursive: true });
          return fs.open(path, APPEND_FLAGS);
        });
        try {
          const line = new TextEncoder().encode(`${repository}\n`);
          await handle.write(line, 0, line.length, null);
        } finally {
          await handle.close();
        }
      });
    },
    async sources(digest: Digest) {
      try {
        // Sources are hints for mounts: an oversized list is ignored rather than read.
        const bytes = await readSmall(fs, sourcesPath(layout, digest), MAX_SOURCES_FILE);
        if (!bytes) return [];
        const lines = new TextDecoder().decode(bytes).split("\n");
        return [...new Set(lines.filter((line) => line.length > 0))];
      } catch (error) {
        if (errorCode(error) === "ENOENT") return [];
        throw toOciError(error, "STORE", `cannot read the sources of ${digest}`);
      }
    },
  };
}
