import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    reporters: reporters(import.meta.url),
    // The property tests run thousands of cases: 1.3 s alone, 5.8 s at load 40 on 2 cores, past the 5 s default. A
    // timeout here is a hang check, not a speed assertion (speed is measured in the bench).
    testTimeout: 60_000,
  },
});
