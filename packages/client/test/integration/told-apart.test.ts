// A dead registry, a missing repository and an empty one look alike through the no-throw API (`tags()` resolves
// `[]`, `resolve()` undefined), so the causes must be told apart elsewhere: the strict API rejects with distinct
// codes, and the no-throw facade hands the same OciError to the client's logger (and an empty repository logs
// nothing, because nothing failed).
import { createServer } from "node:net";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { strict } from "../../src/strict.js";
import { newClient, registries, uniqueRepo } from "./helpers.js";

/** A loopback port nothing listens on (bound, then closed): connections to it are refused. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An existing repository whose only manifest was deleted: it has no tag left (2.8.2 answers `tags: []`). */
async function emptyRepository(): Promise<string> {
  const { plain } = registries();
  const fixture = ociImage({ seed: "told-apart", layerSizes: [100] });
  const repo = uniqueRepo("empty");
  await pushFixture(fixture, { url: plain.url, repo, tag: "v1" });
  const { client } = newClient();
  expect(await client.registry(plain.url).repo(repo).delete(fixture.root)).toBe(true);
  return repo;
}

async function rejection(call: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error("resolved");
}

describe("a dead registry, a missing repository and an empty one, told apart", () => {
  it("by the strict API's codes: NETWORK, NAME_UNKNOWN, and no error at all", async () => {
    const { plain } = registries();
    const { client } = newClient(undefined, { noRetry: true });
    const dead = client.registry(`127.0.0.1:${await deadPort()}`).repo("a/b");
    const missing = client.registry(plain.url).repo(uniqueRepo("missing"));
    const empty = client.registry(plain.url).repo(await emptyRepository());
    const down = await rejection(() => strict(dead).tags());
    expect(down.code).toBe("NETWORK");
    expect(down.message).toMatch(/ECONNREFUSED|refused/i);
    expect((await rejection(() => strict(missing).tags())).code).toBe("NAME_UNKNOWN");
    expect(await strict(empty).tags()).toEqual([]);
    // A tag looked up: the registry is down, or it has no such manifest.
    expect((await rejection(() => strict(dead).resolve("v1"))).code).toBe("NETWORK");
    expect((await rejection(() => strict(missing).resolve("v1"))).code).toBe("MANIFEST_UNKNOWN");
    expect((await rejection(() => strict(empty).resolve("v1"))).code).toBe("MANIFEST_UNKNOWN");
  });

  it("by what the no-throw facade logs, with the same codes", async () => {
    const { plain } = registries();
    const { client, logger } = newClient(undefined, { noRetry: true });
    const dead = client.registry(`127.0.0.1:${await deadPort()}`).repo("a/b");
    const missing = client.registry(plain.url).repo(uniqueRepo("missing"));
    const empty = client.registry(plain.url).repo(await emptyRepository());
    const logged = async (call: () => Promise<unknown>) => {
      const before = logger.errors.length;
      expect(await call()).toEqual([]);
      return logger.errors.slice(before);
    };
    const [down] = await logged(() => dead.tags());
    expect(down?.code).toBe("NETWORK");
    expect(down?.message).toContain(`tags ${dead.reference} failed`);
    const [unknown] = await logged(() => missing.tags());
    expect(unknown?.code).toBe("NAME_UNKNOWN");
    expect(unknown?.message).toContain(missing.reference);
    expect(await logged(() => empty.tags())).toEqual([]);
    expect(await client.registry(dead.registry.url).ping()).toBe(false);
    expect(logger.errors.at(-1)?.code).toBe("NETWORK");
  });
});
