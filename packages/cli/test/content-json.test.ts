// --json for the content commands, by the rule every command follows (json.test.ts): exactly one JSON document on
// stdout and nothing on stderr, on success and on failure, so that `toci … --json 2>&1 | jq` works. The notes a
// command prints without --json (an untitled layer skipped) go into the document instead.
import fs from "node:fs";
import path from "node:path";
import { gnuTar, imageOfLayers } from "@toci/testkit/fixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { orasFile, orasManifest, pushed } from "./content-fixtures.js";
import { type Result, tempDir, toci } from "./helpers.js";

/** Asserts one JSON document on stdout, nothing on stderr; returns the document. */
function oneDocument(result: Result, what: string): Record<string, unknown> {
  expect(result.stderr, what).toBe("");
  expect(result.stdout.trim().startsWith("{"), what).toBe(true);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

let image: string;
let artifact: string;

beforeAll(async () => {
  image = await pushed(imageOfLayers([gnuTar({ "etc/hostname": "json\n" })], { gzip: true }), "cli/content-json");
  const untitled = orasFile(undefined, "no title");
  artifact = await pushed(
    orasManifest([orasFile("a.txt", "a"), untitled], { artifactType: "application/vnd.example.json" }),
    "cli/content-json",
  );
}, 60_000);

describe.concurrent("--json: one document on stdout, nothing on stderr", () => {
  it("on success, for every content command", async () => {
    const work = tempDir();
    fs.writeFileSync(path.join(work, "f.txt"), "pushed\n");
    const archive = path.join(work, "image.tar");
    const runs: string[][] = [
      ["artifact", "pull", artifact, "-o", path.join(work, "out")],
      ["files", image, "--long"],
      ["cat", image, "/etc/hostname"],
      ["export", image, "-o", archive, "--store", path.join(work, "export-store")],
    ];
    const results = await Promise.all(runs.map((args) => toci([...args, "--json"], { cwd: work })));
    const docs = results.map((result, i) => {
      expect(result.code, `${runs[i]!.join(" ")}: ${result.stdout}`).toBe(0);
      return oneDocument(result, runs[i]!.join(" "));
    });
    // The untitled layer is skipped, and said so in the document rather than on stderr.
    expect(docs[0]).toMatchObject({ files: [{ name: "a.txt" }], skipped: [{ mediaType: expect.any(String) }] });
    expect(fs.readFileSync(path.join(work, "out", "a.txt"), "utf8")).toBe("a");
    // Pushing and importing come after: what they read must exist first.
    const more: string[][] = [
      [
        "artifact",
        "push",
        image.replace(/:v1$/, ":pushed"),
        "f.txt",
        "--artifact-type",
        "application/vnd.example.json",
      ],
      ["import", archive, "--store", path.join(work, "import-store")],
    ];
    for (const args of more) {
      const result = await toci([...args, "--json"], { cwd: work });
      expect(result.code, `${args.join(" ")}: ${result.stdout}`).toBe(0);
      expect(oneDocument(result, args.join(" ")), args.join(" ")).not.toHaveProperty("error");
    }
  });

  it("on failure: a missing file in an image, an artifact that would overwrite, an archive that is not one", async () => {
    const work = tempDir();
    fs.writeFileSync(path.join(work, "a.txt"), "mine");
    fs.writeFileSync(path.join(work, "not.tar"), "not an archive");
    const runs: Array<[string[], string, number]> = [
      [["cat", image, "/etc/nope"], "NOT_FOUND", 1],
      [["artifact", "pull", artifact, "-o", work], "INVALID_ARGUMENT", 1],
      [["import", path.join(work, "not.tar"), "--store", path.join(work, "s")], "INVALID_ARGUMENT", 1],
      [["artifact", "push", image, "/abs", "--artifact-type", "application/vnd.example.json"], "USAGE", 2],
      [["export", image, "-o", "-"], "USAGE", 2],
    ];
    const results = await Promise.all(runs.map(([args]) => toci([...args, "--json"], { cwd: work })));
    results.forEach((result, i) => {
      const [args, code, exit] = runs[i]!;
      expect(result.code, args.join(" ")).toBe(exit);
      expect(oneDocument(result, args.join(" ")), args.join(" ")).toMatchObject({ error: { code } });
    });
    expect(fs.readFileSync(path.join(work, "a.txt"), "utf8")).toBe("mine");
  });
});
