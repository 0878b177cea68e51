// Quota: what the store says before a write (navigator.storage.estimate(), an upper bound), and a quota that runs
// out mid-blob (DevTools' Storage.overrideQuotaForOrigin, through vitest's CDP session): a STORE error that says so,
// nothing visible, and a partial that resumes once there is room; and the same through the client: a pull that fails
// with STORE, then a pull that asks the registry for the rest of the layer only.
import { Client } from "@toci/client";
import { describe as describeContent, hasRoomFor, isOciError, isSpaceEstimator } from "@toci/spec-types";
import { ingestPastQuota, writePattern } from "@toci/testkit/store-suite";
import { fetchTransport } from "@toci/transport-fetch";
import { afterEach, beforeAll, expect, it } from "vitest";
import { cdp } from "vitest/browser";
import { opfsStore } from "../dist/index.js";
import { partialFiles, removeStore } from "./suite-setup.js";
import { commands } from "./tabs.js";

const MiB = 1024 * 1024;
const names: string[] = [];
const open = async (options = {}) => {
  const name = `quota-${Date.now()}-${names.length}`;
  names.push(name);
  return { name, store: await opfsStore(name, options) };
};

/** Sets this origin's quota, or gives it back to the browser (undefined). */
const setQuota = async (bytes: number | undefined) => {
  await cdp().send("Storage.overrideQuotaForOrigin", { origin: location.origin, quotaSize: bytes });
};

// What earlier files left is cleared, so that the usage the quota is set from is this file's alone.
beforeAll(async () => {
  await cdp().send("Storage.clearDataForOrigin", { origin: location.origin, storageTypes: "file_systems" });
});

afterEach(async () => {
  await setQuota(undefined);
  for (const name of names.splice(0)) await removeStore(name);
});

it("reports the browser's estimate, and says no for content larger than the room it reports", async () => {
  const { store } = await open();
  expect(isSpaceEstimator(store)).toBe(true);
  const estimate = await store.estimateSpace();
  const browser = await navigator.storage.estimate();
  expect(estimate.quota).toBe(browser.quota);
  expect(estimate.available).toBe((browser.quota ?? 0) - (browser.usage ?? 0));
  expect(estimate.persisted).toBe(await navigator.storage.persisted());
  expect(hasRoomFor(estimate, 1)).toBe(true);
  expect(hasRoomFor(estimate, (estimate.available ?? 0) + 1)).toBe(false);
  await store.close();
});

it("turns a quota that runs out mid-blob into STORE, keeps nothing visible, and resumes once there is room", async () => {
  const { name, store } = await open();
  const size = 8 * MiB;
  const { descriptor: d, error } = await ingestPastQuota(store, { size, seed: 17, room: 3 * MiB }, setQuota);
  expect(isOciError(error) && error.code).toBe("STORE");
  expect(isOciError(error) && error.detail).toEqual({ quotaExceeded: true });
  expect((error as Error).message).toMatch(/quota/);
  expect(await store.exists(d)).toBe(false);
  const [partial] = await partialFiles(name, d.digest);
  const kept = (await partial!.getFile()).size;
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThanOrEqual(3 * MiB);

  const resumed = await store.ingest(d);
  expect(resumed.offset).toBe(kept);
  await writePattern(resumed, size, 17);
  await resumed.commit();
  expect(await describeContent(await store.fetch(d))).toMatchObject({ digest: d.digest, size });
  await store.close();
});

it("asks for persistent storage when told to, and says what the browser answered", async () => {
  const { store } = await open({ persist: true });
  expect(store.persisted).toBe(await navigator.storage.persisted());
  await store.close();
});

it("fails to open with STORE when its worker script cannot load", async () => {
  const name = `no-worker-${Date.now()}`;
  names.push(name);
  await expect(opfsStore(name, { workerUrl: "/no/such/worker.js" })).rejects.toSatisfy(
    (e: unknown) => isOciError(e) && e.code === "STORE" && /worker/.test(e.message),
  );
});

it("fails a pull with STORE when the quota runs out mid-layer, and the next pull resumes the layer", async () => {
  const { registry, images } = await commands.harness();
  const image = images.cut;
  const layer = image.layers[0]!;
  const { name, store } = await open();
  const transport = fetchTransport({ fetch: (input, init) => fetch(input, { ...init, cache: "no-store" }) });
  const client = new Client({ transport, store });
  const pull = async () => {
    for await (const event of client.registry(registry).repo(image.repo).pull(image.tag)) {
      if (event.type === "failed") return event.error;
    }
    return undefined;
  };
  const usage = (await navigator.storage.estimate()).usage ?? 0;
  await setQuota(usage + 4 * MiB); // the layer is 6 MiB
  const error = await pull();
  await setQuota(undefined);
  expect(error?.code).toBe("STORE");
  expect(error?.detail).toEqual({ quotaExceeded: true });
  expect(await store.exists(layer)).toBe(false);
  const [partial] = await partialFiles(name, layer.digest);
  const kept = (await partial!.getFile()).size;
  expect(kept).toBeGreaterThan(0);

  const seen = (await commands.blobGets(layer.digest)).length;
  expect(await pull()).toBeUndefined();
  expect((await commands.blobGets(layer.digest)).slice(seen)).toEqual([
    { range: `bytes=${kept}-`, status: 206, bytesOut: layer.size - kept, done: true },
  ]);
  expect((await store.resolve(image.tag))?.digest).toBe(image.root.digest);
  await client.close();
});
