// @toci/client/pull against a real registry (distribution 2.8.2): the read side pulls, resolves, lists and fetches
// as the full client does, and holds nothing that writes: no push, pushArtifact, tag or delete on its repositories,
// no copy on its client, so a browser app that only pulls does not ship them (the layout test checks its imports).
import { readAll } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { fetchTransport } from "@toci/transport-fetch";
import { describe, expect, it } from "vitest";
import * as full from "../../src/index.js";
import * as pull from "../../src/pull.js";
import { strict } from "../../src/strict.js";
import { collect, registries, succeeded, testLogger, uniqueRepo } from "./helpers.js";

function pullClient() {
  const store = memoryStore();
  const logger = testLogger();
  const client = new pull.Client({ transport: fetchTransport(), store, logger });
  return { client, store, logger };
}

describe("@toci/client/pull", () => {
  it("pulls an image from a real registry into the store, named by its tag, and reads it back", async () => {
    const { plain } = registries();
    const fixture = ociImage({ seed: "pull-entry" });
    const name = uniqueRepo("pull-entry");
    await pushFixture(fixture, { url: plain.url, repo: name, tag: "v1" });
    await using setup = { ...pullClient(), [Symbol.asyncDispose]: () => setup.client.close() };
    const { client, store } = setup;
    const repo = client.repo(`${plain.host}/${name}`);
    expect(repo).toBeInstanceOf(pull.Repository);
    expect(await repo.registry.ping()).toBe(true);
    expect(await repo.tags()).toEqual(["v1"]);
    expect((await repo.resolve("v1"))?.digest).toBe(fixture.root.digest);
    expect(await repo.exists(fixture.config)).toBe(true);
    expect(await repo.referrers(fixture.root)).toEqual([]);
    expect(succeeded(await collect(repo.pull("v1")))).toBe(true);
    for (const blob of fixture.blobs) expect(await store.exists(blob.descriptor)).toBe(true);
    expect((await store.resolve(`${plain.host}/${name}:v1`))?.digest).toBe(fixture.root.digest);
    const config = await repo.fetch(fixture.config, (stream) => readAll(stream, fixture.config.size));
    const stored = fixture.blobs.find((b) => b.descriptor.digest === fixture.config.digest)!.bytes!;
    expect(config && new Uint8Array(config)).toEqual(new Uint8Array(stored));
  });

  it("keeps the error model: a missing tag resolves undefined and the logger gets MANIFEST_UNKNOWN", async () => {
    const { plain } = registries();
    const { client, logger } = pullClient();
    try {
      expect(await client.registry(plain.url).repo(uniqueRepo("pull-entry")).resolve("absent")).toBeUndefined();
      expect(logger.errors.map((e) => e.code)).toEqual(["MANIFEST_UNKNOWN"]);
    } finally {
      await client.close();
    }
  });

  it("has no writing calls at run time: no push, pushArtifact, tag or delete, no copy", async () => {
    const { plain } = registries();
    const { client } = pullClient();
    try {
      const repo = client.registry(plain.url).repo("any/repo");
      for (const name of ["push", "pushArtifact", "tag", "delete"]) expect(name in repo, name).toBe(false);
      expect("copy" in client).toBe(false);
      // strict() is the full client's: a pull repository is not one of its repositories.
      expect(() => strict(repo as full.Repository)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
      // The catalog's repositories are the entry's too.
      for await (const page of client.registry(plain.url).catalog({ n: 1 })) {
        expect(page.every((r) => r instanceof pull.Repository && !("push" in r))).toBe(true);
        break;
      }
    } finally {
      await client.close();
    }
  });

  it("is the read side of the full client: its objects are the entry's classes, with the writing calls added", async () => {
    const { plain } = registries();
    const client = new full.Client({ transport: fetchTransport(), store: memoryStore() });
    try {
      const registry = client.registry(plain.url);
      const repo = registry.repo("any/repo");
      expect(client).toBeInstanceOf(pull.Client);
      expect(registry).toBeInstanceOf(pull.Registry);
      expect(repo).toBeInstanceOf(pull.Repository);
      expect(repo.registry).toBe(registry);
      for (const name of ["push", "pushArtifact", "tag", "delete"]) expect(name in repo, name).toBe(true);
      expect(client.repo(`${plain.host}/any/repo`)).toBeInstanceOf(full.Repository);
    } finally {
      await client.close();
    }
  });
});
