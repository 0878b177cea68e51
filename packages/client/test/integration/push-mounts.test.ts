// Cross-repository mounts on push (issue 19), against distribution 2.8.2 behind the fault proxy. A mount has the
// registry copy a blob the pusher's credentials can read into the target without its bytes, so a push mounts only
// what the store holds, from sources the store recorded itself, or from repositories the caller names; and when a
// mount does not happen, the upload still does (202 → the returned session, 401/403 → a plain upload). An fs layout
// records a pull's sources in batches, one append each to its source log: a later push mounts every blob, however
// many batches the pull took and however many processes pulled into the layout at once.
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Descriptor, writeBlob } from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { memoryStore } from "@toci/store-memory";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { respond } from "@toci/testkit/proxy";
import { afterAll, describe, expect, it } from "vitest";
import { fileFaultProxy } from "./fault-proxy.js";
import { collect, newClient, succeeded, uniqueRepo } from "./helpers.js";

const PULLER = fileURLToPath(new URL("./children/puller.mjs", import.meta.url));
const proxy = fileFaultProxy("plain");
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempLayout(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "toci-mounts-"));
  dirs.push(dir);
  return dir;
}

const posts = () => proxy.requests.filter((r) => r.method === "POST" && r.path.includes("/blobs/uploads/"));
const mounts = () => posts().filter((r) => r.path.includes("mount="));

/** An image pushed to a repository the attacker would like to reach (`private`), and its layer. */
async function privateImage(seed: string) {
  const fixture = ociImage({ seed, layerSizes: [200_000] });
  const privateRepo = uniqueRepo("private");
  await pushFixture(fixture, { url: proxy.url, repo: privateRepo, tag: "v1" });
  const layer = fixture.blobs.find((b) => b.descriptor.mediaType.includes("layer"))!;
  return { fixture, privateRepo, layer };
}

/** A store holding everything of `fixture` but `missing` (a layout received from elsewhere, thin on purpose). */
async function thinStore(fixture: ReturnType<typeof ociImage>, missing: Descriptor) {
  const store = memoryStore();
  for (const blob of fixture.blobs) {
    if (blob.descriptor.digest !== missing.digest) await writeBlob(store, blob.descriptor, blob.bytes!);
  }
  return store;
}

describe("what a push may mount", () => {
  it("a source hint for a blob the store does not hold is not mounted: the push fails on the missing blob", async () => {
    const { fixture, privateRepo, layer } = await privateImage("deputy");
    const store = await thinStore(fixture, layer.descriptor);
    // The hint, as a layout received from elsewhere would carry it: "this blob came from the private repository".
    await store.recordSource(layer.descriptor.digest, `${proxy.host}/${privateRepo}`);
    const { client } = newClient(store);
    const publicRepo = client.registry(proxy.url).repo(uniqueRepo("public"));
    proxy.clearRequests();
    const events = await collect(publicRepo.push(fixture.root, { tag: "v1" }));
    expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "NOT_FOUND" } });
    expect(mounts()).toEqual([]);
    expect(await publicRepo.exists(layer.descriptor)).toBe(false);
  });

  it("the caller may name repositories to mount from explicitly: a thin layout pushes by mounting", async () => {
    const { fixture, privateRepo, layer } = await privateImage("explicit");
    const { client } = newClient(await thinStore(fixture, layer.descriptor));
    const target = client.registry(proxy.url).repo(uniqueRepo("public"));
    proxy.clearRequests();
    expect(succeeded(await collect(target.push(fixture.root, { tag: "v1", mountFrom: [privateRepo] })))).toBe(true);
    expect(mounts().map((r) => r.status)).toContain(201);
    expect(await target.exists(layer.descriptor)).toBe(true);
  });

  it("an fs layout's own records mount in a later process; a copy of that layout (shipped elsewhere) does not", async () => {
    const { fixture, privateRepo } = await privateImage("fs-records");
    const here = await tempLayout();
    const pulled = newClient(await fsStore(here));
    expect(succeeded(await collect(pulled.client.registry(proxy.url).repo(privateRepo).pull("v1")))).toBe(true);
    await pulled.client.close();
    const there = await tempLayout();
    await cp(here, there, { recursive: true, preserveTimestamps: true });

    const again = newClient(await fsStore(here));
    proxy.clearRequests();
    const own = again.client.registry(proxy.url).repo(uniqueRepo("public"));
    expect(succeeded(await collect(own.push(fixture.root, { tag: "v1" })))).toBe(true);
    expect(mounts().filter((r) => r.status === 201)).toHaveLength(2); // config and layer
    await again.client.close();

    const shipped = newClient(await fsStore(there));
    proxy.clearRequests();
    const other = shipped.client.registry(proxy.url).repo(uniqueRepo("public"));
    expect(succeeded(await collect(other.push(fixture.root, { tag: "v1" })))).toBe(true);
    expect(mounts()).toEqual([]);
    expect(posts()).toHaveLength(2); // uploaded, not mounted
    await shipped.client.close();
  });
});

describe("when a mount does not happen", () => {
  it("202 to a mount (the source lacks the blob): the upload goes on in the session the registry returned", async () => {
    const { layer } = await privateImage("mount-202");
    const { client } = newClient();
    const target = client.registry(proxy.url).repo(uniqueRepo("public"));
    proxy.clearRequests();
    const push = target.push(layer.bytes!, layer.descriptor, { mountFrom: [uniqueRepo("empty")] });
    expect(succeeded(await collect(push))).toBe(true);
    const [post, ...more] = posts();
    expect(post).toMatchObject({ status: 202 });
    expect(post!.path).toContain("mount=");
    expect(more).toEqual([]); // no second session
    // The bytes went to the session the 202 opened: its Location's upload id is the PUT's.
    const put = proxy.requests.find((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/"));
    expect(put?.status).toBe(201);
    expect(put?.bytesIn).toBe(layer.descriptor.size);
  });

  it.each([401, 403])(
    "%i to a mount (Harbor: a source the user cannot read): a plain upload instead",
    async (status) => {
      const { privateRepo, layer } = await privateImage(`mount-${status}`);
      const rule = proxy.on(
        { method: "POST", path: "mount=" },
        respond(status, { body: { errors: [{ code: status === 401 ? "UNAUTHORIZED" : "DENIED", message: "no" }] } }),
      );
      try {
        const { client } = newClient();
        const target = client.registry(proxy.url).repo(uniqueRepo("public"));
        proxy.clearRequests();
        expect(
          succeeded(await collect(target.push(layer.bytes!, layer.descriptor, { mountFrom: [privateRepo] }))),
        ).toBe(true);
        expect(posts().map((r) => [r.path.includes("mount="), r.status])).toEqual([
          [true, status],
          [false, 202],
        ]);
        expect(await target.exists(layer.descriptor)).toBe(true);
      } finally {
        rule.remove();
      }
    },
  );
});

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
  return mounts().map((r) => r.status);
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
