import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

// End-to-end: the built bundle dist-bin/toci.cjs runs as a child process against real registries (test/global-setup.ts).
export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    reporters: reporters(import.meta.url),
    // The bin's code cache goes to a directory of the run's own, shared by every toci the tests start (as a user's
    // runs share theirs), never to the developer's ~/.cache.
    env: { XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), "toci-cli-cache-")) },
    // End-to-end tests run several `toci` processes each; on a loaded 2-core machine 30 s was too tight (a timeout is
    // a hang check here, not a speed assertion: speed is measured in the bench).
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
