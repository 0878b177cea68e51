// Progress in a real pseudo-terminal (issue 19, "CLI --progress output in a real pseudo-terminal"): `toci pull` run
// under script(1), so that stdout and stderr are a terminal, draws a bar per blob (fed by the client's onBlob) and a
// total, ends with every bar full, and prints the terminal form of the summary.
import { join } from "node:path";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { registries, tempDir } from "./helpers.js";
import { tociInTerminal } from "./terminal.js";

describe("toci pull on a terminal", () => {
  it("draws a bar per blob and a total, all full at the end, then the summary", async () => {
    const { plain } = registries();
    const repo = `cli/progress-${Date.now()}`;
    const fixture = ociImage({ seed: "cli-progress", layerSizes: [300_000, 900_000] });
    await pushFixture(fixture, { url: plain.url, repo, tag: "v1" });
    const store = join(tempDir("toci-cli-progress-"), "store");
    const { code, screen } = await tociInTerminal(["pull", `${plain.host}/${repo}:v1`, "--store", store, "--progress"]);
    expect(code, screen).toBe(0);
    // The layers' bars, by kind and short digest, full.
    const layers = fixture.blobs.filter((b) => /layer/.test(b.descriptor.mediaType));
    expect(layers).toHaveLength(2);
    for (const { descriptor } of layers) {
      const label = `layer ${descriptor.digest.slice(0, "sha256:".length + 8)}`;
      expect(screen).toMatch(new RegExp(`${label}\\s+█{20} 100%`));
    }
    // The total, with every blob counted done, full.
    expect(screen).toMatch(/pull \((\d+)\/\1 blobs\)\s+█{20} 100%/);
    // The terminal summary after the bars.
    expect(screen).toContain(`✓ pulled ${plain.host}/${repo}:v1`);
    expect(screen).toContain(`digest  ${fixture.root.digest}`);
    expect(screen.lastIndexOf("100%")).toBeLessThan(screen.indexOf("✓ pulled"));
  });
});
