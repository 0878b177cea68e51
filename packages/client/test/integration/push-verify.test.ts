// Push and copy verify every byte they send (issue 19): a corrupt source (a layout blob altered on disk, a source
// registry's body, a caller's bytes) fails with DIGEST_MISMATCH before the registry has the whole body, and the
// session is cancelled. Against distribution 2.8.2 behind the fault proxy, and against "a registry that trusts
// `?digest=`": the proxy answers the final PUT 201 with whatever digest was asked, as such a registry would.
import { mkdtemp, open as openFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Descriptor, describe as describeContent, writeBlob } from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { memoryStore } from "@toci/store-memory";
import { layoutBlobPath, ociImage, pushFixture, seededBytes } from "@toci/testkit/fixtures";
import { corrupt, type FaultAction, type FaultProxy } from "@toci/testkit/proxy";
import { afterAll, describe, expect, it } from "vitest";
import { fileFaultProxy } from "./fault-proxy.js";
import { collect, newClient, uniqueRepo } from "./helpers.js";

const proxy = fileFaultProxy("plain");
const other = fileFaultProxy("plain"); // a second origin in front of the same registry: a copy between them cannot mount
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** The final PUT of an upload answered 201 for whatever `?digest=` says, body read or not: a trusting registry. */
function trustDigest(): FaultAction {
  return {
    name: "trust ?digest=",
    async request(ctx) {
      const digest = ctx.url.searchParams.get("digest") ?? "";
      await ctx.drain();
      // A body cut short (the client gave up on it) is no upload, trusting or not.
      if (ctx.req.readableAborted || ctx.req.socket.destroyed) return true;
      await ctx.send(201, { "docker-content-digest": digest, location: `/v2/x/blobs/${digest}` });
      return true;
    },
  };
}

const requests = (p: FaultProxy, method: string, path = "/blobs/uploads/") =>
  p.requests.filter((r) => r.method === method && r.path.includes(path));

/** Flips one byte of a file in place (same size: only the digest can tell). */
async function flipByte(path: string, offset: number): Promise<void> {
  const handle = await openFile(path, "r+");
  try {
    const one = new Uint8Array(1);
    await handle.read(one, 0, 1, offset);
    one[0] = (one[0] ?? 0) ^ 0xff;
    await handle.write(one, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

/** An fs layout holding `fixture`, its layer altered on disk after it was stored. */
async function corruptLayout(fixture: ReturnType<typeof ociImage>, offset: number) {
  const dir = await mkdtemp(join(tmpdir(), "toci-verify-"));
  dirs.push(dir);
  const store = await fsStore(dir);
  for (const blob of fixture.blobs) await writeBlob(store, blob.descriptor, blob.bytes!);
  const layer = fixture.blobs.find((b) => b.descriptor.mediaType.includes("layer"))!.descriptor;
  await flipByte(layoutBlobPath(dir, layer.digest), offset);
  return { store, layer };
}

function failedWith(events: Awaited<ReturnType<typeof collect>>, code: string): void {
  expect(events.at(-1)).toMatchObject({ type: "failed", error: { code } });
}

describe("a push verifies what it sends", () => {
  it("a layout blob altered on disk, to a registry that trusts ?digest=: DIGEST_MISMATCH, the body never whole", async () => {
    const fixture = ociImage({ seed: "verify-trust", layerSizes: [300_000] });
    const { store, layer } = await corruptLayout(fixture, 1000);
    const rule = proxy.on({ method: "PUT", path: "/blobs/uploads/" }, trustDigest());
    try {
      const { client } = newClient(store);
      proxy.clearRequests();
      failedWith(
        await collect(client.registry(proxy.url).repo(uniqueRepo("trust")).push(fixture.root)),
        "DIGEST_MISMATCH",
      );
      // The layer's PUT never had its whole body (its last bytes wait for the verdict): a trusting registry got nothing
      // to accept, and the session is cancelled.
      expect(requests(proxy, "PUT").filter((r) => r.bytesIn >= layer.size)).toEqual([]);
      expect(requests(proxy, "DELETE").length).toBeGreaterThan(0);
      expect(requests(proxy, "PUT", "/manifests/")).toEqual([]);
    } finally {
      rule.remove();
    }
  });

  it("chunked: the altered blob fails with DIGEST_MISMATCH before the final PUT, and the session is cancelled", async () => {
    const fixture = ociImage({ seed: "verify-chunks", layerSizes: [3_000_000] });
    const { store, layer } = await corruptLayout(fixture, 10);
    const { client } = newClient(store, { monolithicMax: 1_000_000, chunkSize: 1_000_000 });
    const repo = client.registry(proxy.url).repo(uniqueRepo("chunks"));
    proxy.clearRequests();
    failedWith(await collect(repo.push(fixture.root)), "DIGEST_MISMATCH");
    const patches = requests(proxy, "PATCH");
    expect(patches.length).toBeGreaterThanOrEqual(3);
    // The chunk with the blob's last bytes never went out whole, and no PUT closed the session.
    expect(patches.reduce((sum, r) => sum + r.bytesIn, 0)).toBeLessThan(layer.size);
    expect(requests(proxy, "PUT").filter((r) => r.bytesIn === 0)).toEqual([]);
    expect(requests(proxy, "DELETE").length).toBeGreaterThan(0);
  });

  it("a caller's bytes, Blob or stream that do not hash to the descriptor, and an empty blob with a wrong digest", async () => {
    const rule = proxy.on({ method: "PUT", path: "/blobs/uploads/" }, trustDigest());
    try {
      const { client } = newClient(memoryStore());
      const repo = client.registry(proxy.url).repo(uniqueRepo("data"));
      const bytes = seededBytes("verify-data", 100_000);
      const claimed: Descriptor = { ...(await describeContent(seededBytes("something else", 100_000))) };
      failedWith(await collect(repo.push(bytes, claimed)), "DIGEST_MISMATCH");
      failedWith(await collect(repo.push(new Blob([bytes as BlobPart]), claimed)), "DIGEST_MISMATCH");
      failedWith(await collect(repo.push(new Blob([bytes as BlobPart]).stream(), claimed)), "DIGEST_MISMATCH");
      failedWith(await collect(repo.push(bytes, { ...claimed, size: 99_999 })), "SIZE_MISMATCH");
      proxy.clearRequests();
      failedWith(await collect(repo.push(new Uint8Array(0), { ...claimed, size: 0 })), "DIGEST_MISMATCH");
      expect(requests(proxy, "PUT")).toEqual([]);
    } finally {
      rule.remove();
    }
  });
});

describe("a copy verifies what it streams from the source registry", () => {
  it("a source blob corrupted on the way: DIGEST_MISMATCH, the destination never has it", async () => {
    const fixture = ociImage({ seed: "verify-copy", layerSizes: [400_000] });
    const src = uniqueRepo("copy-src");
    await pushFixture(fixture, { url: proxy.url, repo: src, tag: "v1" });
    const layer = fixture.blobs.find((b) => b.descriptor.mediaType.includes("layer"))!.descriptor;
    const corruption = proxy.on({ method: "GET", path: layer.digest }, corrupt(200_000));
    const trusting = other.on({ method: "PUT", path: "/blobs/uploads/" }, trustDigest());
    try {
      const { client } = newClient();
      const source = client.registry(proxy.url).repo(src);
      const destination = client.registry(other.url).repo(uniqueRepo("copy-dst"));
      other.clearRequests();
      failedWith(await collect(client.copy(source, "v1", destination)), "DIGEST_MISMATCH");
      expect(requests(other, "PUT").filter((r) => r.bytesIn >= layer.size)).toEqual([]);
      expect(requests(other, "PUT", "/manifests/")).toEqual([]);
      trusting.remove();
      expect(await destination.exists(layer)).toBe(false);
    } finally {
      corruption.remove();
      trusting.remove();
    }
  });
});
