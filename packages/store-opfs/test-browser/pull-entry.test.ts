// What a browser app that only pulls ships (@toci/client/pull, the client's pull entry, with @toci/transport-fetch):
// on the page, it pulls an image from the harness registry (a real distribution 2.8.2 behind the CORS fault proxy)
// into this store, the root named by its tag, and the page reads every blob back, verified. Its repositories have
// no writing calls. The pull entry resolves here as a bundler resolves it, through @toci/client's exports map.
import { Client } from "@toci/client/pull";
import { fetchTransport } from "@toci/transport-fetch";
import { expect, it } from "vitest";
import { opfsStore } from "../dist/index.js";
import { removeStore } from "./suite-setup.js";
import { commands } from "./tabs.js";

it("pulls an image through @toci/client/pull into the store, which reads it back verified", async () => {
  const { registry, images } = await commands.harness();
  const image = images.b;
  const name = `pull-entry-${Date.now()}`;
  const store = await opfsStore(name);
  const client = new Client({ transport: fetchTransport(), store });
  try {
    const repo = client.registry(registry).repo(image.repo);
    for (const call of ["push", "pushArtifact", "tag", "delete"]) expect(call in repo, call).toBe(false);
    expect((await repo.resolve(image.tag))?.digest).toBe(image.root.digest);
    const events = [];
    for await (const event of repo.pull(image.tag)) events.push(event);
    expect(events.at(-1)).toMatchObject({ type: "progress", percent: 100, root: { digest: image.root.digest } });
    const host = new URL(registry).host;
    expect(await store.resolve(`${host}/${image.repo}:${image.tag}`)).toMatchObject({ digest: image.root.digest });
    for (const blob of [image.config, ...image.layers]) {
      const bytes = await new Response(await store.fetch(blob)).arrayBuffer(); // verified as it streams
      expect(bytes.byteLength).toBe(blob.size);
    }
  } finally {
    await client.close(); // closes the store too
    await removeStore(name);
  }
});
