// Where upload sessions are remembered between attempts: in the store when it can keep them (a restart resumes),
// else in the client's memory (koci kept them per Repository object and dropped them on any failure).
import { isUploadStateKeeper, OciError, type Store, type UploadState, type UploadStateKeeper } from "@toci/spec-types";

/**
 * How long a remembered session is tried. distribution purges upload sessions after a week by default
 * (storage.maintenance.uploadpurging); a day keeps us well inside that, and a stale one only costs a GET.
 */
const MAX_AGE_MS = 24 * 60 * 60 * 1000;

export class UploadSessions {
  readonly #memory = new Map<string, UploadState>();
  readonly #keeper: UploadStateKeeper | undefined;

  constructor(store: Store) {
    this.#keeper = isUploadStateKeeper(store) ? store : undefined;
  }

  async get(key: string): Promise<UploadState | undefined> {
    const state = (await this.#keeper?.getUpload(key).catch(() => undefined)) ?? this.#memory.get(key);
    if (state && Date.now() - state.updatedAt > MAX_AGE_MS) {
      await this.delete(key);
      return undefined;
    }
    return state;
  }

  async set(key: string, location: string, offset: number): Promise<void> {
    const state: UploadState = { location, offset, updatedAt: Date.now() };
    this.#memory.set(key, state);
    await this.#keeper?.setUpload(key, state).catch(() => {});
  }

  async delete(key: string): Promise<void> {
    this.#memory.delete(key);
    await this.#keeper?.deleteUpload(key).catch(() => {});
  }
}

/**
 * The upload sessions a push keeps: the full client gives every repository its own client's. A repository of the pull
 * entry has none, and its class has no push call; this is only reached by handing its core to push code.
 */
export function uploadSessions(remote: { readonly uploads: UploadSessions | undefined }): UploadSessions {
  if (!remote.uploads) throw new OciError("INVALID_ARGUMENT", "a repository of @toci/client/pull does not push");
  return remote.uploads;
}
