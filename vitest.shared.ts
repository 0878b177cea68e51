// Settings every package's vitest config shares. When TOCI_TEST_RESULTS names a folder (scripts/test.sh sets it),
// each run also writes a JSON report there, from which the test script prints one "N passed, N failed" line.
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { playwright } from "@vitest/browser-playwright";

type Reporter = string | [string, Record<string, unknown>];

/** Reporters for a package's vitest config: the default one, plus a JSON report when asked. */
export function reporters(configUrl: string, project = "node"): Reporter[] {
  const dir = process.env.TOCI_TEST_RESULTS;
  if (!dir) return ["default"];
  const pkg = basename(dirname(fileURLToPath(configUrl)));
  return ["default", ["json", { outputFile: join(dir, `${pkg}-${project}.json`) }]];
}

/**
 * vitest browser mode in Debian's Chromium (/usr/bin/chromium through Playwright: no browser is ever downloaded),
 * headless, with an on-disk profile in `profile` (a persistent context). Playwright's default context is incognito,
 * where IndexedDB and OPFS live in memory and are not what users have. A persistent context cannot be shared by
 * parallel files: configs that use this run their files serially.
 */
export function chromiumOnDisk(profile: string, extraArgs: string[] = []) {
  return {
    enabled: true,
    headless: true,
    screenshotFailures: false,
    provider: playwright({
      persistentContext: profile,
      launchOptions: {
        executablePath: "/usr/bin/chromium",
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", ...extraArgs],
      },
    }),
    instances: [{ browser: "chromium" as const }],
  };
}
