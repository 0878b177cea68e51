// Several pages of one origin on one OPFS store: two tabs pulling images that share a layer at the same time, and
// gc() in one page while another pulls (what the pulling page wrote or found before naming its root is leased).
import { expect, it } from "vitest";
import { opfsStore } from "../dist/index.js";
import type { PushedImage } from "./harness.js";
import { partialFiles, removeStore } from "./suite-setup.js";
import { commands, openTab, until } from "./tabs.js";

const blobsOf = (image: PushedImage) => [image.root, image.config, ...image.layers];

it("lets two tabs pull images that share a layer into one store at once", async () => {
  const { registry, images } = await commands.harness();
  const name = `tabs-${Date.now()}`;
  const [one, two] = await Promise.all([openTab(), openTab()]);
  try {
    const outcomes = await Promise.all([
      one.api.pull({ registry, repo: images.a.repo, tag: images.a.tag, store: name }),
      two.api.pull({ registry, repo: images.b.repo, tag: "v1", store: name }),
    ]);
    expect(outcomes.map((o) => o.state)).toEqual(["done", "done"]);
  } finally {
    one.close();
    two.close();
  }
  const store = await opfsStore(name);
  try {
    // Both tags: each tab's update of index.json kept the other's.
    expect((await store.list()).map((r) => r.digest).sort()).toEqual(
      [images.a.root.digest, images.b.root.digest].sort(),
    );
    for (const d of [...blobsOf(images.a), ...blobsOf(images.b)]) expect(await store.exists(d)).toBe(true);
    expect(images.a.layers[0]?.digest).toBe(images.b.layers[0]?.digest);
    expect(await partialFiles(name, images.a.layers[0]!.digest)).toEqual([]);
    expect(await store.gc()).toEqual([]);
  } finally {
    await store.close();
    await removeStore(name);
  }
});

it("keeps what a pull in another tab holds when gc() runs here, and its pull completes", async () => {
  const { registry, images } = await commands.harness();
  const image = images.a;
  const [shared, held] = image.layers as [PushedImage["root"], PushedImage["root"]];
  const name = `gc-tabs-${Date.now()}`;
  const store = await opfsStore(name);
  const tab = await openTab();
  try {
    await commands.holdBlob(held.digest);
    const seen = (await commands.blobGets(held.digest)).length;
    const pulling = tab.api.pull({ registry, repo: image.repo, tag: image.tag, store: name });
    // The tab has committed the config and the shared layer, and waits for the other layer: no root names them yet.
    await until(async () => (await commands.blobGets(held.digest)).length > seen);
    await until(async () => (await store.exists(shared)) && (await store.exists(image.config)));

    expect(await store.gc()).toEqual([]);
    for (const d of [image.config, shared]) expect(await store.exists(d)).toBe(true);

    await commands.release();
    expect((await pulling).state).toBe("done");
    expect((await store.resolve(image.tag))?.digest).toBe(image.root.digest);
    for (const d of blobsOf(image)) expect(await store.exists(d)).toBe(true);
  } finally {
    tab.close();
    await commands.release();
    await store.close();
    await removeStore(name);
  }
});
