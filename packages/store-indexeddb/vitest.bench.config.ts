import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";

// `npm run bench` part 2: the store in Chromium with an on-disk profile. Playwright's launch() + newContext() is
// incognito, where IndexedDB lives in memory (its quota and speed are not a user's), so a persistent context is used.
export default defineConfig({
  test: {
    include: ["bench-browser/**/*.test.ts"],
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        persistentContext: "node_modules/.cache/toci-idb-bench-profile",
        launchOptions: {
          executablePath: "/usr/bin/chromium",
          args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
        },
      }),
      instances: [{ browser: "chromium" }],
    },
  },
});
