// The layout from the command line: a short tag that two repositories share in the layout (both pulled as `latest`)
// is refused wherever a layout name is read (push's default and --from, layout rm), with the full references
// listed; a full reference picks one. And a pull that fails before any content creates no layout directory.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { multiArchIndex, ociImage, writeLayout } from "@toci/testkit/fixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { registries, tempDir, toci, tociJson } from "./helpers.js";

const { plain } = registries();
const a = `${plain.host}/cli/names-a`;
const b = `${plain.host}/cli/names-b`;
const imageA = multiArchIndex({ seed: "cli-names-a", layerSizes: [100, 200] });
const imageB = ociImage({ seed: "cli-names-b", layerSizes: [300] });

beforeAll(async () => {
  for (const [fixture, repo] of [
    [imageA, a],
    [imageB, b],
  ] as const) {
    const layout = tempDir();
    writeLayout(layout, fixture, "latest");
    expect((await toci(["push", `${repo}:latest`, "--store", layout])).code).toBe(0);
  }
});

/** A layout holding a:latest and b:latest, pulled in that order. */
async function twoLatest(): Promise<string> {
  const store = join(tempDir(), "store");
  for (const repo of [a, b]) expect((await toci(["pull", repo, "--store", store])).code).toBe(0);
  return store;
}

describe.concurrent("a short tag two repositories share in the layout", () => {
  it("is refused by push, by default and with --from, listing the full references", async () => {
    const store = await twoLatest();
    const target = `${plain.host}/cli/names-c`;
    for (const args of [
      ["push", `${target}:latest`, "--store", store],
      ["push", `${target}:v1`, "--store", store, "--from", "latest"],
    ]) {
      const result = await toci(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(`"latest" is the tag of 2 different roots in ${store}`);
      expect(result.stderr).toContain(`${a}:latest (${imageA.root.digest})`);
      expect(result.stderr).toContain(`${b}:latest (${imageB.root.digest})`);
      expect(result.stderr).toContain("pass one of them to --from");
    }
    expect((await toci(["resolve", `${target}:v1`])).code).toBe(1);
  });

  it("is taken by its full reference, in --from and as push's own reference", async () => {
    const store = await twoLatest();
    const target = `${plain.host}/cli/names-d`;
    expect((await toci(["push", `${target}:v1`, "--store", store, "--from", `${b}:latest`])).code).toBe(0);
    expect((await toci(["resolve", `${target}:v1`])).stdout.trim()).toBe(imageB.root.digest);
    expect((await toci(["push", `${a}:latest`, "--store", store])).code).toBe(0);
  });

  it("is refused by layout rm, which removes nothing; a full reference removes one, then the tag is one root's", async () => {
    const store = await twoLatest();
    const rm = await toci(["layout", "rm", "latest", "--store", store]);
    expect(rm.code).toBe(2);
    expect(rm.stderr).toContain("name one of them by its full reference");
    expect((await tociJson<{ roots: unknown[] }>(["layout", "ls", "--store", store])).roots).toHaveLength(2);
    expect((await toci(["layout", "rm", `${a}:latest`, "--store", store])).code).toBe(0);
    const target = `${plain.host}/cli/names-e`;
    expect((await toci(["push", `${target}:v1`, "--store", store, "--from", "latest"])).code).toBe(0);
    expect((await toci(["resolve", `${target}:v1`])).stdout.trim()).toBe(imageB.root.digest);
  });
});

describe.concurrent("a pull that fails before any content", () => {
  it("creates no layout: a missing tag, a registry that is down, a platform the index lacks", async () => {
    const parent = tempDir();
    const runs = [
      ["pull", `${a}:missing`, "--store", join(parent, "missing")],
      ["pull", "127.0.0.1:9/cli/x:v1", "--store", join(parent, "down")],
      ["pull", `${a}:latest`, "--platform", "linux/s390x", "--store", join(parent, "platform")],
    ];
    const results = await Promise.all(runs.map((args) => toci(args)));
    results.forEach((result, i) => {
      expect(result.code, runs[i]!.join(" ")).toBe(1);
      expect(existsSync(runs[i]!.at(-1)!), runs[i]!.join(" ")).toBe(false);
    });
    // The default ./toci-store too.
    const cwd = tempDir();
    expect((await toci(["pull", `${a}:missing`], { cwd })).code).toBe(1);
    expect(existsSync(join(cwd, "toci-store"))).toBe(false);
  });

  it("leaves an existing layout as it was, and a successful pull still creates one", async () => {
    const store = join(tempDir(), "store");
    expect((await toci(["pull", b, "--store", store])).code).toBe(0);
    expect(existsSync(join(store, "oci-layout"))).toBe(true);
    expect((await toci(["pull", `${a}:missing`, "--store", store])).code).toBe(1);
    const ls = await tociJson<{ roots: Array<{ name: string }> }>(["layout", "ls", "--store", store]);
    expect(ls.roots.map((r) => r.name)).toEqual([`${b}:latest`]);
  });
});
