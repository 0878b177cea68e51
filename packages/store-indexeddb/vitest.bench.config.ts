import { defineConfig } from "vitest/config";
import { chromiumOnDisk } from "../../vitest.shared.js";

// `npm run bench` part 2: the store in Chromium with an on-disk profile (incognito would keep IndexedDB in memory).
export default defineConfig({
  test: {
    include: ["bench-browser/**/*.test.ts"],
    fileParallelism: false,
    browser: chromiumOnDisk("node_modules/.cache/toci-idb-bench-profile"),
  },
});
