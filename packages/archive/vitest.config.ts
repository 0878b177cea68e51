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
        },
      },
      {
        test: {
          name: "chromium",
          include: ["test-browser/**/*.test.ts"],
          testTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
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
