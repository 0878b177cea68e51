// Interop with the tools users already have (Debian's skopeo 1.9 and umoci 0.4.7): a layout toci writes passes
// `skopeo inspect` and `umoci stat`, and layouts they write open and resolve in toci (image-spec image-layout.md).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  describe as describeContent,
  isManifestOrIndexMediaType,
  OCI_INDEX,
  parseManifest,
  successors,
} from "@toci/spec-types";
import { fetchBytes, put } from "@toci/testkit/store-suite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FsStore, fsStore } from "../src/index.js";
import { tempDir } from "./helpers.js";
import { putRealImage } from "./image.js";

const run = promisify(execFile);
const haveTools = existsSync("/usr/bin/skopeo") && existsSync("/usr/bin/umoci");

/** Reads every blob reachable from a root through the store's verified fetch; returns how many. */
async function readGraph(store: FsStore, reference: string): Promise<number> {
  const root = await store.resolve(reference);
  expect(root, `resolve ${reference}`).toBeDefined();
  let count = 0;
  const queue = [root!];
  while (queue.length > 0) {
    const d = queue.shift()!;
    count++;
    if (isManifestOrIndexMediaType(d.mediaType) || d.mediaType === undefined) {
      queue.push(...successors(parseManifest(await fetchBytes(store, d))));
    } else {
      expect(await describeContent(await store.fetch(d))).toMatchObject({ digest: d.digest, size: d.size });
    }
  }
  return count;
}

describe.skipIf(!haveTools)("interop with skopeo and umoci", () => {
  let dir: string;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, dispose } = await tempDir("toci-interop-"));
  });
  afterEach(async () => {
    await dispose();
  });

  it("writes a layout that skopeo inspect and umoci stat accept, partial ingests present", async () => {
    const layout = join(dir, "toci");
    const store = await fsStore(layout);
    const { manifest } = await putRealImage(store, "hello.txt", "hello from toci\n");
    await store.tag(manifest, "localhost:5000/toci/hello:v1");
    const partial = await store.ingest({ mediaType: "x/y", digest: `sha256:${"ab".repeat(32)}`, size: 100 });
    await partial.write(new Uint8Array(10));
    await partial.close(); // ingest/ now holds a file unknown to skopeo and umoci

    const { stdout } = await run("skopeo", ["inspect", `oci:${layout}:v1`]);
    const inspected = JSON.parse(stdout);
    expect(inspected.Digest).toBe(manifest.digest);
    expect(inspected.Layers).toHaveLength(1);
    const stat = await run("umoci", ["stat", "--image", `${layout}:v1`]);
    expect(stat.stdout).toContain("toci test");
    const unpacked = join(dir, "bundle");
    await run("umoci", ["unpack", "--rootless", "--image", `${layout}:v1`, unpacked]);
    expect(await nodeFs.readFile(join(unpacked, "rootfs", "hello.txt"), "utf8")).toBe("hello from toci\n");
  }, 60_000);

  it("opens and resolves what skopeo copy writes, into a new layout and into a toci layout", async () => {
    const source = join(dir, "source");
    const store = await fsStore(source);
    const { manifest } = await putRealImage(store, "a.txt", "a\n");
    await store.tag(manifest, "v1");

    const fresh = join(dir, "skopeo-made");
    await run("skopeo", ["--insecure-policy", "copy", `oci:${source}:v1`, `oci:${fresh}:copied`]);
    const copied = await fsStore(fresh);
    expect((await copied.resolve("copied"))?.digest).toBe(manifest.digest);
    expect(await readGraph(copied, "copied")).toBe(3);

    // skopeo writing into a layout toci created (and keeps writing to) must not break either side.
    await run("skopeo", ["--insecure-policy", "copy", `oci:${source}:v1`, `oci:${source}:second`]);
    const reopened = await fsStore(source);
    expect((await reopened.list()).map((r) => r.annotations?.["org.opencontainers.image.ref.name"]).sort()).toEqual([
      "second",
      "v1",
    ]);
    expect(await reopened.gc()).toEqual([]);
  }, 60_000);

  it("round-trips a multi-platform index through skopeo copy --all", async () => {
    const source = join(dir, "multi");
    const store = await fsStore(source);
    const amd64 = await putRealImage(store, "amd64.txt", "amd64\n", "amd64");
    const arm64 = await putRealImage(store, "arm64.txt", "arm64\n", "arm64");
    const index = await put(
      store,
      new TextEncoder().encode(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: [
            { ...amd64.manifest, platform: { architecture: "amd64", os: "linux" } },
            { ...arm64.manifest, platform: { architecture: "arm64", os: "linux" } },
          ],
        }),
      ),
      OCI_INDEX,
    );
    await store.tag(index, "v1");
    const { stdout } = await run("skopeo", ["inspect", "--override-arch", "arm64", `oci:${source}:v1`]);
    expect(JSON.parse(stdout).Architecture).toBe("arm64");

    const target = join(dir, "multi-copy");
    await run("skopeo", ["--insecure-policy", "copy", "--all", `oci:${source}:v1`, `oci:${target}:v1`]);
    const copied = await fsStore(target);
    expect((await copied.resolve("v1"))?.digest).toBe(index.digest); // digests preserved
    expect(await readGraph(copied, "v1")).toBe(7); // index, 2 x (manifest, config, layer)
    expect(await copied.gc()).toEqual([]);
  }, 60_000);

  it("opens and resolves a layout umoci writes", async () => {
    const layout = join(dir, "umoci");
    await run("umoci", ["init", "--layout", layout]);
    await run("umoci", ["new", "--image", `${layout}:v1`]);
    await nodeFs.writeFile(join(dir, "file.txt"), "from umoci\n");
    await run("umoci", ["insert", "--rootless", "--image", `${layout}:v1`, join(dir, "file.txt"), "/file.txt"]);
    const store = await fsStore(layout);
    const root = await store.resolve("v1");
    expect(root).toBeDefined();
    expect(await readGraph(store, "v1")).toBe(3); // manifest, config, one layer
    await store.tag(root!, "retagged");
    await run("umoci", ["stat", "--image", `${layout}:retagged`]);
  }, 60_000);
});
