// Progress bars of the content commands that transfer (artifact push, artifact pull, export), forced with --progress
// since stderr is a pipe here: one bar per blob and a total, by bytes of the whole transfer, ending at 100%.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { registries, tempDir, toci } from "./helpers.js";

/** The total bar's last state: `verb (done/count blobs) … percent% | bytes / total`. */
function lastTotal(stderr: string, verb: string): string | undefined {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith(`${verb} (`))
    .at(-1);
}

describe("progress bars of the content commands", () => {
  it("artifact push, artifact pull and export draw every blob and a total that ends at 100%", async () => {
    const { plain } = registries();
    const ref = `${plain.host}/cli/content-progress-${process.pid}:v1`;
    const work = tempDir();
    fs.writeFileSync(path.join(work, "weights.bin"), new Uint8Array(300_000).fill(3));
    fs.mkdirSync(path.join(work, "docs"));
    fs.writeFileSync(path.join(work, "docs", "a.txt"), "a\n");
    const push = await toci(
      ["artifact", "push", ref, "weights.bin", "docs", "--artifact-type", "application/x.progress", "--progress"],
      { cwd: work },
    );
    expect(push.code, push.stderr).toBe(0);
    // Three blobs: the empty config, the file, the packed directory; the total counts the manifest too.
    expect(lastTotal(push.stderr, "push")).toMatch(
      /^push \(3\/3 blobs\)\s+█{20}\s+100% \| 30\d(\.\d)? kB \/ 30\d(\.\d)? kB/,
    );
    expect(push.stderr).toMatch(/blob sha256:[0-9a-f]{8}\s+█{20}\s+100% \| 300 kB \/ 300 kB/);

    const pull = await toci(["artifact", "pull", ref, "-o", "out", "--progress"], { cwd: work });
    expect(pull.code, pull.stderr).toBe(0);
    expect(lastTotal(pull.stderr, "pull")).toMatch(/^pull \(2\/2 blobs\)\s+█{20}\s+100% \| 300 kB \/ 300 kB/);

    const exported = await toci(["export", ref, "-o", "a.tar", "--store", "s", "--progress"], { cwd: work });
    expect(exported.code, exported.stderr).toBe(0);
    expect(lastTotal(exported.stderr, "pull")).toMatch(/^pull \(3\/3 blobs\)\s+█{20}\s+100%/);
  });
});
