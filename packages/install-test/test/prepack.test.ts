// scripts/prepack.mjs, the prepack of every published package, on throw-away packages: it builds, removes outputs
// whose source is gone, copies LICENSE, and refuses to let a pack go on when the build fails or leaves out a file package.json points at.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { userEnv } from "./project.js";
import { repoRoot } from "./workspace.js";

const PREPACK = join(repoRoot, "scripts", "prepack.mjs");
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function touch(dir: string, file: string): Promise<void> {
  return writeFile(join(dir, file), "export const x = 1;\n");
}

/** Runs the prepack in a package whose build is `build`; resolves with its exit code and stderr. */
async function prepack(
  build: string,
  prepare?: (dir: string) => Promise<void>,
): Promise<{ code: number; stderr: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "toci-prepack-"));
  dirs.push(dir);
  await prepare?.(dir);
  const pkg = { name: "@toci/probe", version: "1.0.0", exports: { ".": "./dist/index.js" }, scripts: { build } };
  await writeFile(join(dir, "package.json"), JSON.stringify(pkg));
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [PREPACK], { cwd: dir, env: userEnv() });
    return { code: 0, stderr, dir };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr, dir };
  }
}

// Each case starts npm: seconds on a loaded machine.
describe("prepack", { timeout: 60_000 }, () => {
  it("builds, then copies the repository's LICENSE", async () => {
    const { code, dir } = await prepack("mkdir -p dist && echo 'export {}' > dist/index.js");
    expect(code).toBe(0);
    expect(existsSync(join(dir, "dist", "index.js"))).toBe(true);
    expect(existsSync(join(dir, "LICENSE"))).toBe(true);
  });

  it("removes what tsc left in dist/ from sources that are gone, and keeps the rest", async () => {
    const { code, stderr, dir } = await prepack("true", async (d) => {
      await mkdir(join(d, "src", "internal"), { recursive: true });
      await mkdir(join(d, "dist", "internal"), { recursive: true });
      for (const f of ["src/index.ts", "src/internal/kept.ts", "dist/index.js", "dist/index.d.ts"]) await touch(d, f);
      for (const f of ["dist/internal/kept.js", "dist/internal/gone.js", "dist/internal/gone.d.ts.map"])
        await touch(d, f);
    });
    expect(code).toBe(0);
    expect(stderr).toContain("removed dist/internal/gone.js (its source is gone)");
    expect(existsSync(join(dir, "dist", "internal", "gone.js"))).toBe(false);
    expect(existsSync(join(dir, "dist", "internal", "gone.d.ts.map"))).toBe(false);
    for (const f of ["dist/index.js", "dist/index.d.ts", "dist/internal/kept.js"])
      expect(existsSync(join(dir, f)), f).toBe(true);
  });

  it("stops the pack when the build fails", async () => {
    const { code, stderr, dir } = await prepack("exit 3");
    expect(code).toBe(1);
    expect(stderr).toContain("prepack @toci/probe: the build failed (exit 3); nothing packed");
    expect(existsSync(join(dir, "LICENSE"))).toBe(false);
  });

  it("stops the pack when the build leaves out a file package.json points at", async () => {
    const { code, stderr } = await prepack("true");
    expect(code).toBe(1);
    expect(stderr).toContain("prepack @toci/probe: the build did not produce dist/index.js; nothing packed");
  });
});
