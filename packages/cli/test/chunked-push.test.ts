// Chunked pushes through the command against what registries ask (issue 19, "E-chunked-style coverage through the
// CLI"): a 100 MiB layer pushed with --chunk-size below the registry's OCI-Chunk-Min-Length goes in chunks of at least
// that minimum, and a registry that caps request bodies at 4 MiB (GHCR) gets smaller chunks and the push completes.
import { join } from "node:path";
import { writeLargeLayerImage } from "@toci/testkit/fixtures";
import { chunkMinLength, limitRequestSize, startFaultProxy } from "@toci/testkit/proxy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registries, tempDir, toci } from "./helpers.js";

const MiB = 1024 * 1024;
const LAYER = 100 * MiB;

let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
let layout: string;
let layer: number;
beforeAll(async () => {
  proxy = await startFaultProxy({ target: registries().plain.url });
  layout = join(tempDir("toci-cli-chunked-"), "store");
  const fixture = await writeLargeLayerImage(layout, { size: LAYER, seed: "cli-chunked", tag: "v1" });
  layer = Math.max(...fixture.blobs.map((b) => b.descriptor.size));
}, 120_000);
afterAll(async () => {
  await proxy.stop();
});

const patches = () => proxy.requests.filter((r) => r.method === "PATCH" && r.path.includes("/blobs/uploads/"));
const push = (repo: string, chunk: string) =>
  toci(["push", `${proxy.host}/${repo}:v1`, "--store", layout, "--from", "v1", "--chunk-size", chunk]);

describe("toci push in chunks", () => {
  it("--chunk-size below OCI-Chunk-Min-Length: every chunk but the last is at least the minimum", async () => {
    const min = 8 * MiB;
    const rule = proxy.on({ method: "POST", path: "/blobs/uploads/" }, chunkMinLength(min));
    proxy.clearRequests();
    try {
      const result = await push(`cli/chunk-min-${Date.now()}`, "1MiB");
      expect(result.code, result.stderr).toBe(0);
    } finally {
      rule.remove();
    }
    const sizes = patches()
      .filter((p) => p.status === 202)
      .map((p) => p.bytesIn);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(layer - min);
    expect(sizes.slice(0, -1).every((n) => n >= min)).toBe(true);
    expect(sizes.length).toBeLessThanOrEqual(Math.ceil(layer / min));
  });

  it("a registry capping requests at 4 MiB: the chunks shrink and the push completes", async () => {
    const cap = 4 * MiB;
    const rule = proxy.on({ method: ["PATCH", "PUT"], path: "/blobs/uploads/" }, limitRequestSize(cap));
    proxy.clearRequests();
    try {
      const result = await push(`cli/chunk-cap-${Date.now()}`, "16MiB");
      expect(result.code, result.stderr).toBe(0);
    } finally {
      rule.remove();
    }
    const all = patches();
    expect(all.some((p) => p.status === 413)).toBe(true);
    const accepted = all.filter((p) => p.status === 202);
    expect(accepted.every((p) => p.bytesIn <= cap)).toBe(true);
    expect(accepted.reduce((a, p) => a + p.bytesIn, 0)).toBeGreaterThanOrEqual(layer - cap);
  });
});
