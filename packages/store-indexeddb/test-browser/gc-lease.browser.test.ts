// gc() in one tab and a pull in another: what the pulling tab wrote or found before naming its root is leased
// (a Web Lock per blob) and kept by the other tab's gc until the pulling tab goes (internal/leases.ts).
import { describeBytes } from "@toci/testkit/store-suite";
import { expect, it } from "vitest";
import { indexedDbStore } from "../src/index.js";

const text = (s: string) => new TextEncoder().encode(s);

it("keeps another tab's leased blobs, and collects them once that tab is gone", async () => {
  const name = `gc-lease-${Date.now()}`;
  const store = await indexedDbStore(name);
  const put = async (bytes: Uint8Array) => {
    const d = await describeBytes(bytes);
    const ingest = await store.ingest(d);
    await ingest.write(bytes);
    await ingest.commit();
    return d;
  };
  const present = await put(text("unreachable, found present by the other tab"));
  const mine = await put(text("unreachable, written by this tab"));
  const bytes = text("unreachable, written by the other tab");
  const committed = await describeBytes(bytes);

  const worker = new Worker(new URL("./leaser.worker.ts", import.meta.url), { type: "module" });
  const reply = new Promise<{ present: boolean }>((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
  });
  worker.postMessage({ name, committed, bytes, present });
  expect((await reply).present).toBe(true);

  // This tab's own blob goes (its leases do not bind its own gc); the other tab's two stay.
  expect(await store.gc()).toEqual([mine.digest]);
  expect(await store.exists(committed)).toBe(true);
  expect(await store.exists(present)).toBe(true);

  worker.terminate();
  let removed: string[] = [];
  for (let tries = 0; tries < 100 && removed.length === 0; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100)); // the browser releases the locks asynchronously
    removed = await store.gc();
  }
  expect(removed.sort()).toEqual([committed.digest, present.digest].sort());
  await store.close();
});

it("a lease not taken again within leaseTtl ends, even while its tab lives", async () => {
  const name = `gc-lease-ttl-${Date.now()}`;
  const store = await indexedDbStore(name);
  const bytes = text("leased by a tab that lives on");
  const committed = await describeBytes(bytes);
  const present = await describeBytes(text("absent"));
  const worker = new Worker(new URL("./leaser.worker.ts", import.meta.url), { type: "module" });
  const reply = new Promise<{ present: boolean }>((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
  });
  worker.postMessage({ name, committed, bytes, present, leaseTtl: 1500 });
  await reply;
  try {
    expect(await store.gc()).toEqual([]); // leased, within its time
    let removed: string[] = [];
    for (let tries = 0; tries < 100 && removed.length === 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      removed = await store.gc();
    }
    expect(removed).toEqual([committed.digest]);
  } finally {
    worker.terminate();
    await store.close();
  }
});
