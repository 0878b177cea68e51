import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    reporters: reporters(import.meta.url),
    passWithNoTests: true,
    // The shared store suite streams 64 MiB and makes ~1 400 small writes in one case: on a loaded 2-core runner
    // that passes 5 s, which is vitest's default.
    testTimeout: 30_000,
  },
});
