import { defineConfig } from "vitest/config";
import { chromiumOnDisk, reporters } from "../../vitest.shared.js";

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
          // One persistent (on-disk) profile, so IndexedDB is the LevelDB + blob files users have (the default
          // context is incognito, where values live in memory); persistent contexts cannot be shared by parallel
          // files, hence serial.
          fileParallelism: false,
          // --expose-gc: the memory test measures live memory, not garbage not yet collected.
          browser: chromiumOnDisk("node_modules/.cache/toci-idb-test-profile", ["--js-flags=--expose-gc"]),
        },
      },
    ],
  },
});
