// sha512 end to end (issue 19, "Every half-tested branch gets its test"): an image whose layer is named by a sha512
// digest goes from an fs layout to distribution 2.8.2 and back into another layout: the registry verifies it on
// upload, the pull verifies it again, and the layout keeps it under blobs/sha512/.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe as describeContent, OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, writeBlob } from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { seededBytes } from "@toci/testkit/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, newClient, registries, succeeded, uniqueRepo } from "./helpers.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toci-sha512-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a sha512 blob", () => {
  it("is pushed from a layout, verified by the registry, and pulled into another layout under blobs/sha512/", async () => {
    const layer = seededBytes("sha512-layer", 3_000_000);
    const layerDesc = await describeContent(layer, { mediaType: OCI_LAYER, algorithm: "sha512" });
    expect(layerDesc.digest).toMatch(/^sha512:[0-9a-f]{128}$/);
    const config = new TextEncoder().encode('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}');
    const configDesc = await describeContent(config, { mediaType: OCI_CONFIG });
    const manifest = new TextEncoder().encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers: [layerDesc] }),
    );
    const root = await describeContent(manifest, { mediaType: OCI_MANIFEST });

    const source = await fsStore(join(dir, "source"));
    await writeBlob(source, layerDesc, layer);
    await writeBlob(source, configDesc, config);
    await writeBlob(source, root, manifest);
    await source.tag(root, "v1");

    const repo = uniqueRepo("sha512");
    const { plain } = registries();
    // Chunked (1 MB) as well as whole: the digest the registry checks at the end is the sha512.
    const { client: pusher } = newClient(source, { monolithicMax: 1_000_000, chunkSize: 1_000_000 });
    expect(succeeded(await collect(pusher.registry(plain.url).repo(repo).push(root, { tag: "v1" })))).toBe(true);
    await pusher.close();

    const target = await fsStore(join(dir, "target"));
    const { client: puller } = newClient(target);
    expect(succeeded(await collect(puller.registry(plain.url).repo(repo).pull("v1")))).toBe(true);
    const hex = layerDesc.digest.slice("sha512:".length);
    // Compared as buffers: a deep equality of 3 million elements takes a minute on a loaded machine.
    expect(Buffer.compare(await readFile(join(dir, "target", "blobs", "sha512", hex)), layer)).toBe(0);
    expect(await target.exists(layerDesc)).toBe(true);
    await puller.close();
  });
});
