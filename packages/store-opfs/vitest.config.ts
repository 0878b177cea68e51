import { defineConfig } from "vitest/config";
import { chromiumOnDisk, reporters } from "../../vitest.shared.js";
import { commands } from "./test-browser/harness.js";

// OPFS exists only in browsers: every test runs in Debian's Chromium (/usr/bin/chromium through Playwright; no
// browser is ever downloaded), with a persistent (on-disk) profile, because Playwright's default context is
// incognito, where OPFS lives in memory and sync access handles run ~4× slower. A persistent context cannot be
// shared by parallel files, hence serial. The tests import the built package (dist/), whose
// `new URL("./worker.js", import.meta.url)` vite resolves as a bundler would. Pages opened by a test (tab.html) are
// second tabs of the same origin.
export default defineConfig({
  // Optimised before the first test: found later, vite would reload the page under a running test.
  optimizeDeps: { include: ["hash-wasm"] },
  test: {
    reporters: reporters(import.meta.url, "chromium"),
    include: ["test-browser/**/*.test.ts"],
    // A registry behind a CORS fault proxy, for the tests that pull; started by the first test that asks.
    globalSetup: ["test-browser/global-setup.ts"],
    testTimeout: 180_000,
    fileParallelism: false,
    browser: { ...chromiumOnDisk("node_modules/.cache/toci-opfs-test-profile"), commands },
  },
});
