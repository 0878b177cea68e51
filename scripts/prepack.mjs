// The `prepack` of every published package (`npm pack` and `npm publish` run it in the package's folder): build
// the package, copy the repository's LICENSE into it, and check that every file its package.json points at
// (`exports`, `imports`, `bin`, `main`, `types`) now exists. Any failure stops the pack with a message that says
// which package and why, so a tarball without its build can no longer be made.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
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

copyFileSync(fileURLToPath(new URL("../LICENSE", import.meta.url)), join(dir, "LICENSE"));

const missing = packageTargets(pkg).filter((target) => !existsSync(join(dir, target)));
if (missing.length > 0) fail(`the build did not produce ${missing.join(", ")}`);
