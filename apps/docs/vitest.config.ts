import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

// The docs' checks: the samples run against real registries, the browser bundle's size, and Playwright against the
// built site (test/e2e.test.ts). Every test needs `npm run build` first (turbo runs it before `test`).
export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: reporters(import.meta.url),
  },
});
