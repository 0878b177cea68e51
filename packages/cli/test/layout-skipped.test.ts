// `toci layout` on a layout whose index.json has an entry another tool wrote badly: the good roots are listed, the
// skipped entry is one warning line on stderr (once per command, however often index.json is read), it is in the
// --json document, and `layout rm` leaves it in the file.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ociImage, writeLayout } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { tempDir, toci, tociJson } from "./helpers.js";

const BAD = { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:xyz", size: 3 };

function layoutWithBadEntry(): string {
  const dir = tempDir();
  writeLayout(dir, ociImage({ seed: "cli-skipped-a" }), "a");
  writeLayout(dir, ociImage({ seed: "cli-skipped-b" }), "b");
  const indexFile = join(dir, "index.json");
  const index = JSON.parse(readFileSync(indexFile, "utf8"));
  index.manifests.splice(1, 0, BAD);
  writeFileSync(indexFile, JSON.stringify(index));
  return dir;
}

describe("layout with a bad index.json entry", () => {
  it("layout ls lists the good roots and warns once on stderr", async () => {
    const dir = layoutWithBadEntry();
    const ls = await toci(["layout", "ls", "--store", dir]);
    expect(ls.code).toBe(0);
    expect(
      ls.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(["a", "b"]);
    const warnings = ls.stderr.split("\n").filter((l) => l.startsWith("warning: "));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${join(dir, "index.json")}: skipped 1 invalid entry`);
    expect(warnings[0]).toContain('manifests[1].digest "sha256:xyz" is not a valid digest');

    const doc = await tociJson<{ roots: unknown[]; skipped: { position: number }[] }>(["layout", "ls", "--store", dir]);
    expect(doc.roots).toHaveLength(2);
    expect(doc.skipped).toMatchObject([{ position: 1 }]);
  });

  it("layout rm removes a good root, keeps the bad entry, and warns once though index.json is read twice", async () => {
    const dir = layoutWithBadEntry();
    const rm = await toci(["layout", "rm", "a", "--store", dir]);
    expect(rm.code).toBe(0);
    expect(rm.stderr.split("\n").filter((l) => l.startsWith("warning: "))).toHaveLength(1);
    const manifests = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")).manifests;
    expect(manifests).toHaveLength(2);
    expect(manifests[0]).toEqual(BAD);
    expect(manifests[1].annotations["org.opencontainers.image.ref.name"]).toBe("b");
  });

  it("a layout without bad entries prints no warning", async () => {
    const dir = tempDir();
    writeLayout(dir, ociImage({ seed: "cli-skipped-a" }), "a");
    const ls = await toci(["layout", "ls", "--store", dir]);
    expect(ls.code).toBe(0);
    expect(ls.stderr).toBe("");
  });
});
