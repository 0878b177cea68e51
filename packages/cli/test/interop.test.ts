// Interop with skopeo both ways: what toci pulls, skopeo reads from the layout; what skopeo pushes, toci pulls;
// what toci pushes, skopeo copies back into a layout, digest for digest.
import { join } from "node:path";
import { multiArchIndex, pushWithSkopeo, writeLayout } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { exec, registries, tempDir, toci } from "./helpers.js";

const { plain } = registries();

describe.concurrent("interop with skopeo", () => {
  it("toci pull → skopeo inspect oci:DIR:TAG (whole index, and one platform)", async () => {
    const fixture = multiArchIndex({ seed: "cli-interop-1", layerSizes: [20_000] });
    const layout = tempDir();
    writeLayout(layout, fixture, "v1");
    const repo = `${plain.host}/cli/interop-pull`;
    expect((await toci(["push", `${repo}:v1`, "--store", layout])).code).toBe(0);
    const store = join(tempDir(), "store");
    expect((await toci(["pull", `${repo}:v1`, "--store", store])).code).toBe(0);
    const raw = await exec("skopeo", ["inspect", "--raw", `oci:${store}:v1`]);
    expect(JSON.parse(raw).manifests).toHaveLength(2);
    const armStore = join(tempDir(), "store");
    expect((await toci(["pull", `${repo}:v1`, "--platform", "linux/arm64", "--store", armStore])).code).toBe(0);
    const config = JSON.parse(await exec("skopeo", ["inspect", "--config", `oci:${armStore}:v1`]));
    expect(config.architecture).toBe("arm64");
  });

  it("skopeo push → toci pull", async () => {
    // (skopeo's oci: transport reads OCI media types only, so the layout holds an OCI index.)
    const fixture = multiArchIndex({ seed: "cli-interop-2", layerSizes: [20_000] });
    const layout = tempDir();
    writeLayout(layout, fixture, "v1");
    await pushWithSkopeo(layout, "v1", plain, "cli/interop-skopeo");
    const repo = `${plain.host}/cli/interop-skopeo`;
    const store = join(tempDir(), "store");
    const pulled = await toci(["pull", `${repo}:v1`, "--store", store, "--json"]);
    expect(pulled.code).toBe(0);
    expect(JSON.parse(pulled.stdout)).toMatchObject({
      digest: fixture.root.digest,
      mediaType: "application/vnd.oci.image.index.v1+json",
    });
    const arm = await toci(["pull", `${repo}:v1`, "--store", store, "--platform", "linux/arm64"]);
    expect(arm.code).toBe(0);
  });

  it("toci push → skopeo copy docker://… oci:…, same digest", async () => {
    const fixture = multiArchIndex({ seed: "cli-interop-3", layerSizes: [20_000, 5_000] });
    const layout = tempDir();
    writeLayout(layout, fixture, "v1");
    const repo = `${plain.host}/cli/interop-push`;
    expect((await toci(["push", `${repo}:v1`, "--store", layout])).code).toBe(0);
    const out = join(tempDir(), "copy");
    await exec("skopeo", ["copy", "--all", "--src-tls-verify=false", `docker://${repo}:v1`, `oci:${out}:v1`]);
    const raw = await exec("skopeo", ["inspect", "--raw", `oci:${out}:v1`]);
    const { createHash } = await import("node:crypto");
    expect(`sha256:${createHash("sha256").update(raw).digest("hex")}`).toBe(fixture.root.digest);
  });
});
