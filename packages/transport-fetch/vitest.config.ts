import { defineConfig } from "vitest/config";
import { chromium } from "../../vitest.chromium.js";
import { reporters } from "../../vitest.shared.js";

// Two projects: the Node tests (test/) and the Chromium tests (test-browser/), whose loopback servers a
// globalSetup starts on the Node side and hands over through provide/inject. Debian's /usr/bin/chromium only:
// no browser is ever downloaded. Reporters are the run's, not a project's: one JSON report covers both.
export default defineConfig({
  test: {
    reporters: reporters(import.meta.url, "node+chromium"),
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
          globalSetup: ["test-browser/global-setup.ts"],
          testTimeout: 30_000,
          browser: chromium(),
        },
      },
    ],
  },
});
