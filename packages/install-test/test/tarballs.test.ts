// Each published package's tarball, as npm packed it: what it holds, what it imports, what its README cites, and
// whether npm would publish it.
import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { describe, expect, it } from "vitest";
import { packageTargets } from "../../../scripts/package-targets.mjs";
import { bareImports, declaredDependencies, hasCode, isBuiltin, relativeImports } from "./imports.js";
import { npm } from "./project.js";
import { citedPackageFiles } from "./readme.js";
import { installedDir, installInfo } from "./setup-info.js";
import { publishedPackages, repoRoot } from "./workspace.js";

const info = installInfo();

describe.each(publishedPackages().map((p) => [p.pkg.name, p] as const))("the %s tarball", (name, p) => {
  const packed = info.packed.find((t) => t.name === name)!;
  const dir = installedDir(info, p.pkg);

  it("holds LICENSE (the repository's), README.md, package.json and every file package.json points at", async () => {
    const targets = packageTargets(p.pkg);
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((t) => !packed.files.includes(t))).toEqual([]);
    for (const f of ["LICENSE", "README.md", "package.json"]) expect(packed.files).toContain(f);
    expect(await readFile(join(dir, "LICENSE"), "utf8")).toBe(await readFile(join(repoRoot, "LICENSE"), "utf8"));
  });

  it("declares exactly the packages its shipped code imports (a bundled command declares none)", async () => {
    const imported = new Set<string>();
    for (const file of packed.files.filter((f) => /\.(m?js|cjs)$/.test(f))) {
      for (const spec of bareImports(await readFile(join(dir, file), "utf8"))) if (!isBuiltin(spec)) imported.add(spec);
    }
    const declared = declaredDependencies(p.pkg);
    expect([...imported].filter((d) => !declared.includes(d)).sort()).toEqual([]);
    expect(declared.filter((d) => !imported.has(d))).toEqual([]);
  });

  it("ships no JavaScript its entry points do not reach (a stale chunk of an earlier build)", async () => {
    const isJs = (f: string) => /\.(m?js|cjs)$/.test(f);
    const reached = new Set<string>();
    const queue = packageTargets(p.pkg).filter(isJs);
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      if (reached.has(file) || !packed.files.includes(file)) continue;
      reached.add(file);
      const code = await readFile(join(dir, file), "utf8");
      for (const spec of relativeImports(code)) queue.push(posix.normalize(posix.join(posix.dirname(file), spec)));
    }
    const unreached: string[] = [];
    for (const file of packed.files.filter((f) => isJs(f) && !reached.has(f))) {
      if (hasCode(await readFile(join(dir, file), "utf8"))) unreached.push(file);
    }
    expect(unreached).toEqual([]);
  });

  it("has a README that cites only files the tarball ships (the others are linked on GitHub)", async () => {
    const readme = await readFile(join(dir, "README.md"), "utf8");
    expect(citedPackageFiles(readme, p.dir).filter((f) => !packed.files.includes(f))).toEqual([]);
  });
});

// One after another these take ~3 s each (npm asks the registry who is logged in): all at once.
describe("npm publish --dry-run", () => {
  it.concurrent.each(info.packed.map((p) => [p.name, p] as const))("accepts the %s tarball", async (name, packed) => {
    const { stdout } = await npm(["publish", "--dry-run", "--json", packed.tarball], info.tmp);
    // npm 11 keys the report by package name.
    expect(JSON.parse(stdout)[name]).toMatchObject({ id: `${name}@${packed.version}`, name, version: packed.version });
  });
});
