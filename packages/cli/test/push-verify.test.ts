// `toci push` sends only what verifies (issue 19): a layout blob altered on disk fails with DIGEST_MISMATCH, and a
// blob that is a symbolic link out of the layout is never read (STORE): the file it points at is not sent.
import { copyFileSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { layoutBlobPath, ociImage, writeLayout } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { registries, tempDir, toci } from "./helpers.js";

const { plain } = registries();

function layoutOf(seed: string) {
  const dir = tempDir();
  const fixture = ociImage({ seed, layerSizes: [50_000] });
  writeLayout(dir, fixture, "v1");
  const layer = fixture.blobs.find((b) => b.descriptor.mediaType.includes("layer"))!.descriptor;
  return { dir, layer, file: layoutBlobPath(dir, layer.digest) };
}

describe("toci push verifies what it sends", () => {
  it("a layer altered on disk: DIGEST_MISMATCH, and the registry does not have it", async () => {
    const { dir, layer, file } = layoutOf("cli-verify-altered");
    const bytes = readFileSync(file);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    const repo = `${plain.host}/cli/verify-altered`;
    const push = await toci(["push", `${repo}:v1`, "--store", dir]);
    expect(push.code).toBe(1);
    expect(push.stderr).toContain("error: DIGEST_MISMATCH");
    const blob = await toci(["blob", `${repo}@${layer.digest}`, "-o", join(tempDir(), "layer")]);
    expect(blob.code).toBe(1);
  });

  it("a layer that is a symbolic link out of the layout: STORE, the linked file is never sent", async () => {
    const { dir, layer, file } = layoutOf("cli-verify-link");
    const outside = join(tempDir(), "outside");
    copyFileSync(file, outside); // the very bytes: only the link is wrong
    rmSync(file);
    symlinkSync(outside, file);
    const repo = `${plain.host}/cli/verify-link`;
    const push = await toci(["push", `${repo}:v1`, "--store", dir]);
    expect(push.code).toBe(1);
    expect(push.stderr).toContain("error: STORE");
    expect(push.stderr).toContain("symbolic link");
    const blob = await toci(["blob", `${repo}@${layer.digest}`, "-o", join(tempDir(), "layer")]);
    expect(blob.code).toBe(1);
  });
});
