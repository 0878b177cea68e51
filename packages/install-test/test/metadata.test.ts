// What every published package must carry before it is packed, checked without packing: a package that lands
// without it fails here, with the fix in the message. The install test (install.test.ts) checks the tarballs.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { linkProblem, linkTargets } from "./readme.js";
import { BRANCH, publishedPackages, REPOSITORY, readJson, repoRoot, workspacePackages } from "./workspace.js";

const published = publishedPackages();
const PREPACK = "node ../../scripts/prepack.mjs";

describe("the repository", () => {
  it("has the full Apache-2.0 text as LICENSE, CONTRIBUTING.md and SECURITY.md", () => {
    const license = readFileSync(join(repoRoot, "LICENSE"), "utf8");
    expect(license).toContain("Apache License\n                           Version 2.0, January 2004");
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    expect(license.length).toBeGreaterThan(11_000); // the whole text, not a pointer to it
    for (const file of ["CONTRIBUTING.md", "SECURITY.md", "README.md"])
      expect(existsSync(join(repoRoot, file))).toBe(true);
  });

  it("publishes at least the packages it had at the first release", () => {
    const names = published.map((p) => p.pkg.name);
    for (const name of ["@toci/spec-types", "@toci/client", "@toci/cli"]) expect(names).toContain(name);
  });

  it("versions every published package together: one changesets `fixed` group covers them all", () => {
    const config = readJson<{ fixed: string[][]; privatePackages?: { version: boolean } }>(
      join(repoRoot, ".changeset", "config.json"),
    );
    expect(config.fixed).toEqual([["@toci/*"]]);
    expect(config.privatePackages?.version).toBe(false);
    expect(new Set(published.map((p) => p.pkg.version)).size).toBe(1);
  });

  it("gives every internal dependency the workspace's exact version (else npm looks for it on the registry)", () => {
    const versions = new Map(workspacePackages().map((p) => [p.pkg.name, p.pkg.version]));
    const wrong: string[] = [];
    for (const { pkg } of workspacePackages()) {
      for (const field of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) {
        for (const [name, range] of Object.entries((pkg[field] ?? {}) as Record<string, string>)) {
          const version = versions.get(name);
          if (version !== undefined && range !== version)
            wrong.push(`${pkg.name} ${field} ${name}@${range} (is ${version})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("lets the install test run after every published package is built and tested (its devDependencies)", () => {
    const own = readJson(join(repoRoot, "packages", "install-test", "package.json"));
    const deps = Object.keys((own.devDependencies ?? {}) as Record<string, string>);
    expect(published.map((p) => p.pkg.name).filter((name) => !deps.includes(name))).toEqual([]);
  });
});

describe.each(published.map((p) => [p.pkg.name, p] as const))("%s", (_name, { dir, path, pkg }) => {
  const field = <T>(name: string) => pkg[name] as T;

  it("says what it is and whose it is: description, keywords, author, Apache-2.0", () => {
    expect(field<string>("description")?.length).toBeGreaterThan(10);
    expect(field<string[]>("keywords")?.length).toBeGreaterThan(1);
    expect(field<string>("author")).toBeTruthy();
    expect(field<string>("license")).toBe("Apache-2.0");
  });

  it("points at the repository: repository (with directory), homepage, bugs", () => {
    expect(field("repository")).toEqual({ type: "git", url: `git+${REPOSITORY}.git`, directory: `packages/${dir}` });
    expect(field("homepage")).toBe(`${REPOSITORY}/tree/${BRANCH}/packages/${dir}#readme`);
    expect(field("bugs")).toEqual({ url: `${REPOSITORY}/issues` });
  });

  it("ships LICENSE, built by its prepack, as an ES module package for Node >= 20.19, published publicly", () => {
    expect(field<string[]>("files")).toContain("LICENSE");
    const scripts = field<Record<string, string>>("scripts");
    expect(scripts.prepack).toBe(PREPACK);
    expect(scripts.build).toBeTruthy();
    expect(field("type")).toBe("module");
    expect(field<Record<string, string>>("engines").node).toBe(">=20.19.0");
    expect(field("publishConfig")).toEqual({ access: "public" });
    expect(Object.keys(field<Record<string, unknown>>("exports"))).toContain("./package.json");
  });

  it("lints without running prepack (attw --pack would rebuild the package while other tasks read it)", () => {
    const lint = field<Record<string, string>>("scripts").lint ?? "";
    expect(lint).toMatch(/publint/);
    if (lint.includes("attw --pack")) expect(lint).toMatch(/npm_config_ignore_scripts=true attw --pack/);
  });

  it("has a README whose links work on the npm package page", () => {
    const readme = readFileSync(join(path, "README.md"), "utf8");
    const problems = linkTargets(readme).flatMap((t) => linkProblem(t) ?? []);
    expect(problems).toEqual([]);
  });
});

// A check that cannot fail is no check: the link rules on the links the READMEs used to have.
describe("link rules", () => {
  it("refuse relative links and repository links to missing files or other branches", () => {
    expect(linkProblem("../../README.md")).toMatch(/relative link/);
    expect(linkProblem("packages/cli")).toMatch(/relative link/);
    expect(linkProblem(`${REPOSITORY}/blob/main/packages/nope/README.md`)).toMatch(/names no file/);
    expect(linkProblem(`${REPOSITORY}/blob/dev/README.md`)).toMatch(/not a main-branch/);
    expect(linkProblem(`${REPOSITORY}/blob/main/packages/cli/README.md#commands`)).toBeUndefined();
    expect(linkProblem(`${REPOSITORY}#readme`)).toBeUndefined();
    expect(linkProblem("https://github.com/opencontainers/distribution-spec")).toBeUndefined();
    expect(linkProblem("#the-api")).toBeUndefined();
  });

  it("find links in prose, images and definitions, not in code", () => {
    const md = "[a](../x.md) ![i](img.png)\n\n```md\n[c](in-code.md)\n```\n\n[d]: https://example.com/d\n";
    expect(linkTargets(md)).toEqual(["../x.md", "img.png", "https://example.com/d"]);
  });
});
