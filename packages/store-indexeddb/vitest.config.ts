import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

// Two projects: the Node run under fake-indexeddb (test/) and the same suite in Debian's Chromium (test-browser/),
// driven by Playwright with /usr/bin/chromium (never a downloaded browser).
export default defineConfig({
  test: {
    // Shared at the root: one report covers both projects.
    reporters: reporters(import.meta.url),
    projects: [
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "chromium",
          include: ["test-browser/**/*.test.ts"],
          testTimeout: 30_000,
          // One persistent (on-disk) profile, so IndexedDB is the LevelDB + blob files users have; the default
          // context is incognito, where values live in memory (not what users have). Persistent contexts
          // cannot be shared by parallel files, hence serial.
          fileParallelism: false,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              persistentContext: "node_modules/.cache/toci-idb-test-profile",
              launchOptions: {
                executablePath: "/usr/bin/chromium",
                // --expose-gc: the memory test measures live memory, not garbage not yet collected.
                args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--js-flags=--expose-gc"],
              },
            }),
            instances: [{ browser: "chromium" }],
          },
        },
      },
    ],
  },
});
