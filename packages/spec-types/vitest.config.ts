import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    // Not a measure of speed: the property-based cases (fast-check's 100 runs each) timed out at the default 5 s
    // with the shared machine at load 40-50, and passed in the next run.
    testTimeout: 30_000,
    reporters: reporters(import.meta.url),
  },
});
