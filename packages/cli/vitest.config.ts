import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

// End-to-end: the built bundle dist-bin/toci.js runs as a child process against real registries (test/global-setup.ts).
export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    reporters: reporters(import.meta.url),
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
