import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

// End-to-end: the built bundle dist-bin/toci.js runs as a child process against real registries (test/global-setup.ts).
export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    reporters: reporters(import.meta.url),
    // End-to-end tests run several `toci` processes each; on a loaded 2-core machine 30 s was too tight (a timeout is
    // a hang check here, not a speed assertion: speed is measured in the bench).
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
