// Where pulled blobs came from, as an fs layout records them (a pull's records in batches, one append each, in the
// layout's source log): a later push to another repository of the same registry mounts every blob, however many
// batches the pull took and however many processes pulled into the layout at once.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fsStore } from "@toci/store-fs";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { startFaultProxy } from "@toci/testkit/proxy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, newClient, registries, succeeded, uniqueRepo } from "./helpers.js";

const PULLER = fileURLToPath(new URL("./children/puller.mjs", import.meta.url));
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
const dirs: string[] = [];

beforeAll(async () => {
  proxy = await startFaultProxy({ target: registries().plain.url });
});
afterAll(async () => {
  await proxy?.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempLayout(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "toci-pull-sources-"));
  dirs.push(dir);
  return dir;
}

/** An image of `layers` small layers, pushed to a repository of its own. */
async function pushedImage(seed: string, layers: number) {
  const fixture = ociImage({ seed, layerSizes: Array.from({ length: layers }, (_, i) => 300 + i) });
  const repo = uniqueRepo("source");
  await pushFixture(fixture, { url: proxy.url, repo, tag: "v1" });
  return { fixture, repo };
}

/** Pushes `fixture` from the layout at `dir` to a new repository; the statuses of the mounts it asked for. */
async function pushMounts(dir: string, fixture: ReturnType<typeof ociImage>): Promise<number[]> {
  const { client } = newClient(await fsStore(dir));
  proxy.clearRequests();
  const target = client.registry(proxy.url).repo(uniqueRepo("target"));
  expect(succeeded(await collect(target.push(fixture.root, { tag: "v1" })))).toBe(true);
  await client.close();
  return proxy.requests.filter((r) => r.method === "POST" && r.path.includes("mount=")).map((r) => r.status);
}

/** Pulls `repo` into `dir` in a process of its own. */
function pullInChild(repo: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PULLER, proxy.url, repo, dir], { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`puller exited ${code}`))));
  });
}

describe("sources of a pull", () => {
  it("a pull of more blobs than one batch records every one: a push elsewhere mounts them all", async () => {
    const { fixture, repo } = await pushedImage("batches", 150);
    const dir = await tempLayout();
    const { client } = newClient(await fsStore(dir));
    expect(succeeded(await collect(client.registry(proxy.url).repo(repo).pull("v1")))).toBe(true);
    await client.close();
    const blobs = fixture.blobs.filter((b) => !b.descriptor.mediaType.includes("manifest"));
    expect(blobs).toHaveLength(151); // the layers and the config
    expect(await readFile(join(dir, "ingest", "sources", "log"), "utf8")).toContain(`${proxy.host}/${repo}`);
    expect(await pushMounts(dir, fixture)).toEqual(blobs.map(() => 201));
  }, 120_000);

  it("two processes pulling into one layout at once: a push mounts every blob of both", async () => {
    const [one, two] = await Promise.all([pushedImage("concurrent-one", 90), pushedImage("concurrent-two", 90)]);
    const dir = await tempLayout();
    await Promise.all([pullInChild(one!.repo, dir), pullInChild(two!.repo, dir)]);
    for (const { fixture } of [one!, two!]) {
      const blobs = fixture.blobs.filter((b) => !b.descriptor.mediaType.includes("manifest"));
      expect(await pushMounts(dir, fixture)).toEqual(blobs.map(() => 201));
    }
  }, 120_000);
});
