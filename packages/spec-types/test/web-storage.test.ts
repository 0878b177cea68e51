// The browser-storage helpers the browser stores share: the room check and the error a full quota becomes. Web
// Locks and navigator.storage themselves are exercised in Chromium by store-indexeddb and store-opfs.
import { describe, expect, it } from "vitest";
import {
  hasRoomFor,
  heldWebLocks,
  isQuotaExceeded,
  OciError,
  tryWebLock,
  webLockLeases,
  webStorageError,
} from "../src/index.js";

describe("hasRoomFor", () => {
  const estimate = { available: 100, usage: 900, quota: 1000, persisted: false };
  it("says no only when the runtime reported less room", () => {
    expect(hasRoomFor(estimate, 100)).toBe(true);
    expect(hasRoomFor(estimate, 101)).toBe(false);
    expect(hasRoomFor({ ...estimate, available: undefined }, 1e15)).toBe(true);
  });
});

describe("webStorageError", () => {
  it("says when the quota is exceeded, in the message and in detail", () => {
    const quota = new DOMException("no room", "QuotaExceededError");
    expect(isQuotaExceeded(quota)).toBe(true);
    const error = webStorageError(quota, "cannot write sha256:abc");
    expect(error.code).toBe("STORE");
    expect(error.message).toMatch(/^cannot write sha256:abc: .*quota/);
    expect(error.detail).toEqual({ quotaExceeded: true });
    expect(error.cause).toBe(quota);
  });

  it("keeps other failures as STORE with their name, and passes OciErrors through", () => {
    const other = webStorageError(new DOMException("gone", "NotFoundError"), "cannot read");
    expect(other.message).toBe("cannot read: NotFoundError: gone");
    expect(other.detail).toBeUndefined();
    const own = new OciError("DIGEST_MISMATCH", "bad");
    expect(webStorageError(own, "x")).toBe(own);
    expect(webStorageError({ toString: 0 }, "hostile").message).toBe("hostile: (object)");
  });
});

describe("Web Locks without a LockManager (Node)", () => {
  it("grants every lock, reports none held, and leases nothing", async () => {
    expect(typeof (await tryWebLock("x", undefined))).toBe("function");
    expect(await heldWebLocks(undefined)).toEqual(new Set());
    const leases = webLockLeases("db", { manager: undefined });
    await leases.take("sha256:abc");
    expect(leases.heldByOthers(new Set(["toci-lease:db:someone:sha256:abc"]))).toEqual(new Set(["sha256:abc"]));
    leases.release();
  });
});
