// A real quota in Chromium (DevTools' Storage.overrideQuotaForOrigin, through vitest's CDP session) that runs out
// mid-blob: STORE with detail.quotaExceeded, nothing visible, and the stored segments resumed once there is room.
import { describe as describeContent, hasRoomFor, isOciError } from "@toci/spec-types";
import { ingestPastQuota, writePattern } from "@toci/testkit/store-suite";
import { afterEach, beforeAll, expect, it } from "vitest";
import { cdp } from "vitest/browser";
import { databaseName, indexedDbStore } from "../src/index.js";

const MiB = 1024 * 1024;
const name = `quota-${Date.now()}`;

/** Sets this origin's quota, or gives it back to the browser (undefined). */
const setQuota = async (bytes: number | undefined) => {
  await cdp().send("Storage.overrideQuotaForOrigin", { origin: location.origin, quotaSize: bytes });
};

// Earlier files' databases are gone, but Chromium may still count their space (it removes IndexedDB's blob files
// lazily), and a quota set from that count would leave room for the whole blob: the origin's IndexedDB is cleared.
beforeAll(async () => {
  await cdp().send("Storage.clearDataForOrigin", { origin: location.origin, storageTypes: "indexeddb" });
});

afterEach(async () => {
  await setQuota(undefined);
  indexedDB.deleteDatabase(databaseName(name));
});

it("turns a quota that runs out mid-blob into STORE and resumes from the stored segments", async () => {
  const store = await indexedDbStore(name, { chunkSize: MiB });
  const estimate = await store.estimateSpace();
  expect(estimate.quota).toBe((await navigator.storage.estimate()).quota);
  expect(hasRoomFor(estimate, (estimate.available ?? 0) + 1)).toBe(false);

  const size = 8 * MiB;
  const { descriptor: d, error } = await ingestPastQuota(store, { size, seed: 23, room: 3 * MiB }, setQuota);
  expect(isOciError(error) && error.code).toBe("STORE");
  expect(isOciError(error) && error.detail).toEqual({ quotaExceeded: true });
  expect(await store.exists(d)).toBe(false);

  const resumed = await store.ingest(d);
  expect(resumed.offset).toBeGreaterThan(0);
  expect(resumed.offset % MiB).toBe(0); // whole segments
  await writePattern(resumed, size, 23);
  await resumed.commit();
  expect(await describeContent(await store.fetch(d))).toMatchObject({ digest: d.digest, size });
  await store.close();
});
