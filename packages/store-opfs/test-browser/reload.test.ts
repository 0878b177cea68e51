// A pull cut mid-blob, its page reloaded while the pull waits to resume: the page, its pull and the store's worker
// are gone, the partial stays, and the pull after the reload asks the registry only for the bytes it lacks.
import { describe as describeContent } from "@toci/spec-types";
import { expect, it } from "vitest";
import { opfsStore } from "../dist/index.js";
import { partialFiles, removeStore } from "./suite-setup.js";
import { commands, openTab, until } from "./tabs.js";

const MiB = 1024 * 1024;

it("resumes a pull cut mid-blob after the page that pulled it reloads", async () => {
  const { registry, images } = await commands.harness();
  const image = images.cut;
  const layer = image.layers[0]!;
  const name = `reload-${Date.now()}`;
  const seen = (await commands.blobGets(layer.digest)).length;
  const cut = 2 * MiB + 12_345;
  await commands.cutThenHold(layer.digest, cut);
  const tab = await openTab();
  let kept: number;
  try {
    // This pull never ends: its page goes. Were it to end, the faults did not happen as planned.
    let ended: unknown;
    tab.api.pull({ registry, repo: image.repo, tag: image.tag, store: name }).then((outcome) => {
      ended = outcome;
    });
    // The first GET is cut; the client's retry, from what the store kept, waits at the proxy.
    await until(async () => {
      if (ended) throw new Error(`the pull ended: ${JSON.stringify(ended)}`);
      return (await commands.blobGets(layer.digest)).length >= seen + 2;
    });
    const [first, retry] = (await commands.blobGets(layer.digest)).slice(seen);
    expect(first?.bytesOut).toBe(cut);
    kept = Number(/^bytes=(\d+)-$/.exec(retry?.range ?? "")?.[1]);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(cut);

    await tab.reload();
    await commands.release();
    const outcome = await tab.api.pull({ registry, repo: image.repo, tag: image.tag, store: name });
    expect(outcome.state).toBe("done");
  } finally {
    tab.close();
    await commands.release();
  }
  // After the reload, one GET, for the rest only.
  const after = (await commands.blobGets(layer.digest)).slice(seen + 2);
  expect(after).toEqual([{ range: `bytes=${kept}-`, status: 206, bytesOut: layer.size - kept, done: true }]);

  const store = await opfsStore(name);
  try {
    expect((await store.resolve(image.tag))?.digest).toBe(image.root.digest);
    expect(await describeContent(await store.fetch(layer))).toMatchObject({ digest: layer.digest, size: layer.size });
    expect(await partialFiles(name, layer.digest)).toEqual([]);
  } finally {
    await store.close();
    await removeStore(name);
  }
});
