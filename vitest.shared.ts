// Settings every package's vitest config shares. When TOCI_TEST_RESULTS names a folder (scripts/test.sh sets it),
// each run also writes a JSON report there, from which the test script prints one "N passed, N failed" line.
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

type Reporter = string | [string, Record<string, unknown>];

/** Reporters for a package's vitest config: the default one, plus a JSON report when asked. */
export function reporters(configUrl: string, project = "node"): Reporter[] {
  const dir = process.env.TOCI_TEST_RESULTS;
  if (!dir) return ["default"];
  const pkg = basename(dirname(fileURLToPath(configUrl)));
  return ["default", ["json", { outputFile: join(dir, `${pkg}-${project}.json`) }]];
}
