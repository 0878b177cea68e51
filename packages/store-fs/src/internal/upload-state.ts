// Upload sessions kept for the client (UploadStateKeeper, an optional ability of the Store contract):
//   ingest/uploads/<sha256 of key>.json   an upload session to resume after a restart
// A hint: an oversized or unreadable file reads as nothing (the push starts a new session). Blob sources are
// sources.ts's.
//
// Each record names the process that wrote it (liveness.ts). Processes sharing a layout push the same blobs (the
// CLI run eight times at once over one `--store`): a session another live process is still sending on is not
// ours to resume. distribution moves a session's data at its closing PUT, so a second writer on the same session
// gets `BLOB_UPLOAD_INVALID` or, when both close it, `DIGEST_INVALID`, and starts over. Such a record reads as
// nothing; once its writer is gone (killed, crashed), the session is resumed as before.
import { join } from "node:path";
import { digestOf, parseDigest, toOciError, type UploadState, type UploadStateKeeper } from "@toci/spec-types";
import { errorCode } from "../fs-api.js";
import { parseJsonObject, replaceFile, storeOp, unlinkIfPresent } from "./files.js";
import { type Layout, MAX_SMALL_FILE } from "./layout.js";
import { identity, ownIdentity, processLives } from "./liveness.js";
import { readSmall } from "./read-small.js";

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
        if (sendingElsewhere(value.owner)) return undefined;
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
        const owner = ownIdentity();
        await replaceFile(fs, path, JSON.stringify({ key, location, offset, updatedAt, owner }), {
          tmpDir: paths.ingest,
        });
      });
    },
    async deleteUpload(key) {
      layout.writable();
      const path = await uploadPath(key);
      await storeOp("cannot delete upload state", () => unlinkIfPresent(fs, path));
    },
  };
}

/**
 * Whether a record's writer is another process that still runs (then its session is in use). A record without an
 * owner (an earlier toci) or with one that does not parse is judged as before: resumable.
 */
function sendingElsewhere(owner: unknown): boolean {
  if (typeof owner !== "object" || owner === null) return false;
  const { pid, start, boot } = owner as Record<string, unknown>;
  const who = identity(String(pid), str(start), str(boot));
  if (!who) return false;
  const me = ownIdentity();
  if (who.pid === me.pid && who.start === me.start && who.boot === me.boot) return false;
  return processLives(who);
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
