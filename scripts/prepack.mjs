// The `prepack` of every published package (`npm pack` and `npm publish` run it in the package's folder): build
// the package, remove what tsc left in dist/ from sources that are gone (tsc -b never deletes an output), copy the
// repository's LICENSE into it, and check that every file its package.json points at (`exports`, `imports`, `bin`,
// `main`, `types`) now exists. Any failure stops the pack with a message that says which package and why, so a
// tarball without its build can no longer be made.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { packageTargets } from "./package-targets.mjs";

const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));

function fail(message) {
  console.error(`prepack ${pkg.name}: ${message}; nothing packed`);
  process.exit(1);
}

if (!pkg.scripts?.build) fail("no build script");
// The build's output goes to stderr: `npm pack --json` prints its JSON on stdout, after this script's output.
const build = spawnSync("npm", ["run", "build"], { stdio: ["ignore", 2, 2] });
if (build.status !== 0) fail(`the build failed (${build.error?.message ?? `exit ${build.status}`})`);

/** Every file under `root`, as paths relative to it. */
function filesUnder(root) {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

// dist/x/y.js, .d.ts and their maps come from src/x/y.ts (every package builds src/ into dist/ with tsc).
const TSC_OUTPUT = /\.(?:js|d\.ts)(?:\.map)?$/;
if (existsSync(join(dir, "dist")) && existsSync(join(dir, "src"))) {
  for (const file of filesUnder(join(dir, "dist")).filter((f) => TSC_OUTPUT.test(f))) {
    const base = file.replace(TSC_OUTPUT, "");
    if (![".ts", ".mts", ".tsx"].some((ext) => existsSync(join(dir, "src", base + ext)))) {
      unlinkSync(join(dir, "dist", file));
      console.error(`prepack ${pkg.name}: removed dist/${file} (its source is gone)`);
    }
  }
}

copyFileSync(fileURLToPath(new URL("../LICENSE", import.meta.url)), join(dir, "LICENSE"));

const missing = packageTargets(pkg).filter((target) => !existsSync(join(dir, target)));
if (missing.length > 0) fail(`the build did not produce ${missing.join(", ")}`);
