// The optional abilities kept beside the blobs: upload sessions (UploadStateKeeper), so that a push resumes after a
// reload, and the repositories a blob came from (SourceRecorder), so that a push can mount instead of upload.
import {
  guardWebStorage as guard,
  requireVerifiable,
  type SourceRecorder,
  type UploadState,
  type UploadStateKeeper,
} from "@toci/spec-types";
import { del, get, set, update } from "idb-keyval";
import type { Database } from "./database.js";

export function uploadStates(db: Database): UploadStateKeeper {
  return {
    async getUpload(key) {
      return guard("cannot read upload state", () => get<UploadState>(key, db.stores.uploads));
    },
    async setUpload(key, state) {
      const { location, offset, updatedAt } = state;
      await guard("cannot write upload state", () => set(key, { location, offset, updatedAt }, db.stores.uploads));
    },
    async deleteUpload(key) {
      await guard("cannot delete upload state", () => del(key, db.stores.uploads));
    },
  };
}

export function sourceRecorder(db: Database): SourceRecorder {
  return {
    async recordSource(digest, repository) {
      requireVerifiable(digest);
      await guard("cannot record a source", () =>
        update<string[]>(
          digest,
          (list) => (list?.includes(repository) ? list : [...(list ?? []), repository]),
          db.stores.sources,
        ),
      );
    },
    async sources(digest) {
      return guard("cannot read sources", async () => (await get<string[]>(digest, db.stores.sources)) ?? []);
    },
  };
}
