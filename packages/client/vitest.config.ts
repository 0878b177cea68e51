import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

// Unit tests (test/*.test.ts) use small in-memory handlers; integration tests (test/integration/) run against real
// distribution 2.8.2 registries started once for the run by the globalSetup (plain, htpasswd, token, TLS).
export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/integration/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: reporters(import.meta.url),
  },
});
