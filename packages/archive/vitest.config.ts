import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

// Two projects: the Node tests (test/, with GNU tar, skopeo and umoci as oracles) and the runtime-neutral claim
// checked in Debian's Chromium (test-browser/: Chromium's own CompressionStream and DecompressionStream, fzstd
// loaded as a chunk), driven by Playwright with /usr/bin/chromium (never a downloaded browser).
export default defineConfig({
  test: {
    reporters: reporters(import.meta.url),
    projects: [
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/**/*.test.ts"],
          // skopeo, GNU tar and the fuzz rounds take seconds on a loaded machine; nothing here is timed.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // idb-keyval (the IndexedDB store's), known before the page loads (a dependency found later reloads it).
        optimizeDeps: { include: ["idb-keyval"] },
        test: {
          name: "chromium",
          include: ["test-browser/**/*.test.ts"],
          // A registry behind a proxy that answers CORS, with an artifact and an image (content.browser.test.ts).
          globalSetup: ["test-browser/global-setup.ts"],
          testTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
            // Starting Chromium and bundling the page's dependencies took over the default 30 s at load 40.
            connectTimeout: 120_000,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: "/usr/bin/chromium",
                args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
              },
            }),
            instances: [{ browser: "chromium" }],
          },
        },
      },
    ],
  },
});
