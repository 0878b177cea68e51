import { isUploadStateKeeper, type Store } from "@toci/spec-types";
import { beforeEach, describe, expect, it } from "vitest";
import type { StoreContext } from "./context.js";

/** The suite's "upload state" cases. */
export function uploadState(ctx: StoreContext): void {
  describe.skipIf(!ctx.capabilities.uploadState)("upload state", () => {
    sessions(ctx);
  });
}

function sessions({ current }: StoreContext): void {
  let store: Store;
  beforeEach(() => {
    ({ store } = current());
  });
  it("keeps, returns and forgets upload sessions", async () => {
    expect(isUploadStateKeeper(store)).toBe(true);
    if (!isUploadStateKeeper(store)) return;
    const key = "localhost:5000/app sha256:abc";
    expect(await store.getUpload(key)).toBeUndefined();
    const state = { location: "http://localhost:5000/v2/app/blobs/uploads/1?_state=x", offset: 42, updatedAt: 1 };
    await store.setUpload(key, state);
    expect(await store.getUpload(key)).toEqual(state);
    await store.setUpload(key, { ...state, offset: 84 });
    expect((await store.getUpload(key))?.offset).toBe(84);
    await store.deleteUpload(key);
    expect(await store.getUpload(key)).toBeUndefined();
    await store.deleteUpload(key);
  });
}
