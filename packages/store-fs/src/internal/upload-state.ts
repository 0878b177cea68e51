// Upload sessions kept for the client (UploadStateKeeper, an optional ability of the Store contract):
//   ingest/uploads/<sha256 of key>.json   an upload session to resume after a restart
// A hint: an oversized or unreadable file reads as nothing (the push starts a new session). Blob sources are
// sources.ts's.
import { join } from "node:path";
import { digestOf, parseDigest, toOciError, type UploadState, type UploadStateKeeper } from "@toci/spec-types";
import { errorCode } from "../fs-api.js";
import { parseJsonObject, replaceFile, storeOp, unlinkIfPresent } from "./files.js";
import { type Layout, MAX_SMALL_FILE } from "./layout.js";
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
        await replaceFile(fs, path, JSON.stringify({ key, location, offset, updatedAt }), {
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
