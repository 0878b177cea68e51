// --json: exactly one JSON document on stdout and nothing on stderr, whether the command succeeds or fails (a
// registry error, a registry that is down, a usage error of ours or of commander's, an interruption), so that
// `toci … --json 2>&1 | jq` works; warnings go into the document. With --debug, stderr has the details.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { multiArchIndex, writeLayout } from "@toci/testkit/fixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { type Result, registries, tempDir, toci } from "./helpers.js";

const { plain } = registries();
const repo = `${plain.host}/cli/json`;
const fixture = multiArchIndex({ seed: "cli-json", layerSizes: [1000, 2000] });
let layout: string;

beforeAll(async () => {
  layout = tempDir();
  writeLayout(layout, fixture, "v1");
  expect((await toci(["push", `${repo}:v1`, "--store", layout])).code).toBe(0);
});

/** Asserts one JSON document on stdout, nothing on stderr; returns the document. */
function oneDocument(result: Result): Record<string, unknown> {
  expect(result.stderr).toBe("");
  const doc = JSON.parse(result.stdout) as Record<string, unknown>;
  expect(result.stdout.trim().startsWith("{")).toBe(true);
  return doc;
}

describe.concurrent("--json: one document on stdout, nothing on stderr", () => {
  it("on success, for every kind of command", async () => {
    const store = join(tempDir(), "store");
    const runs: string[][] = [
      ["tags", repo],
      ["resolve", `${repo}:v1`],
      ["manifest", `${repo}:v1`],
      ["inspect", `${repo}:v1`],
      ["config", `${repo}:v1`, "--platform", "linux/amd64"],
      ["tag", `${repo}:v1`, "json-tagged"],
      ["referrers", `${repo}:v1`],
      ["catalog", plain.host],
      ["ping", plain.host],
      ["pull", `${repo}:v1`, "--store", store],
      ["push", `${repo}:again`, "--store", layout, "--from", "v1"],
      ["copy", `${repo}:v1`, `${plain.host}/cli/json-copy:v1`],
      ["layout", "ls", "--store", layout],
    ];
    const results = await Promise.all(runs.map((args) => toci([...args, "--json"])));
    results.forEach((result, i) => {
      expect(result.code, runs[i]!.join(" ")).toBe(0);
      expect(oneDocument(result)["error"], runs[i]!.join(" ")).toBeUndefined();
    });
  });

  it("a re-push of what the registry has says so: all its bytes, none transferred", async () => {
    const doc = oneDocument(await toci(["push", `${repo}:v1`, "--store", layout, "--json"]));
    const total = fixture.blobs.reduce((n, b) => n + b.descriptor.size, 0);
    expect(doc).toMatchObject({ digest: fixture.root.digest, bytes: total, transferred: 0 });
  });

  it("on success, for the artifact and archive commands", async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, "notes.md"), "# notes\n");
    const artifact = `${plain.host}/cli/json-artifact:v1`;
    const type = ["--artifact-type", "application/vnd.example.notes.v1"];
    const tar = join(tempDir(), "image.tar");
    const runs: Array<[string[], { cwd?: string }]> = [
      [["artifact", "push", artifact, "notes.md", ...type], { cwd }],
      [["artifact", "pull", artifact, "-o", join(tempDir(), "out")], {}],
      [["export", `${repo}:v1`, "-o", tar, "--store", join(tempDir(), "s")], {}],
      [["import", tar, "--store", join(tempDir(), "imported")], {}],
    ];
    // In order: each reads what the one before wrote.
    for (const [args, options] of runs) {
      const result = await toci([...args, "--json"], options);
      expect(result.code, args.join(" ")).toBe(0);
      expect(oneDocument(result)["error"], args.join(" ")).toBeUndefined();
    }
  });

  it("on failure: registry errors, a registry that is down, usage errors ours and commander's", async () => {
    const runs: Array<[string[], string, number]> = [
      [["resolve", `${repo}:nope`], "MANIFEST_UNKNOWN", 1],
      [["pull", `${repo}:nope`, "--store", join(tempDir(), "s")], "MANIFEST_UNKNOWN", 1],
      [["tags", "127.0.0.1:9/cli/x"], "NETWORK", 1],
      [["push", `${repo}:v9`, "--store", join(tempDir(), "none")], "NOT_FOUND", 1],
      [["tags", `${repo}:v1`], "USAGE", 2],
      [["tags", repo, "--bogus"], "USAGE", 2],
      [["pull"], "USAGE", 2],
      [["pul", "x"], "USAGE", 2],
      [["config", `${repo}:v1`], "USAGE", 2],
    ];
    const results = await Promise.all(runs.map(([args]) => toci([...args, "--json"])));
    results.forEach((result, i) => {
      const [args, code, exit] = runs[i]!;
      expect(result.code, args.join(" ")).toBe(exit);
      expect(oneDocument(result), args.join(" ")).toMatchObject({ error: { code } });
    });
  });

  it("puts warnings into the document instead of stderr", async () => {
    const { tls } = registries();
    const result = await toci(["tags", `${tls.host}/cli/none`, "--insecure", "--json"]);
    const doc = oneDocument(result);
    expect(doc).toMatchObject({ warnings: [expect.stringContaining("--insecure")] });
    // Without --json the warning is on stderr, as before.
    const plainText = await toci(["tags", `${tls.host}/cli/none`, "--insecure"]);
    expect(plainText.stderr).toMatch(/^warning: --insecure/);
  });

  it("writes details to stderr with --debug only", async () => {
    const quiet = await toci(["tags", "127.0.0.1:9/cli/x", "--json"]);
    expect(quiet.stderr).toBe("");
    const debug = await toci(["tags", "127.0.0.1:9/cli/x", "--json", "--debug"]);
    expect(JSON.parse(debug.stdout)).toMatchObject({ error: { code: "NETWORK" } });
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
