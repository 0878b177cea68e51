import { defineConfig } from "vitest/config";
import { reporters } from "../../vitest.shared.js";

// Two projects: "metadata" reads the workspace only (seconds); "install" packs every published package (each
// prepack builds it), installs the tarballs into fresh projects in a temporary folder (test/global-setup.ts) and
// runs what a new user runs there: a minute or two, more on a loaded machine. `vitest run --project metadata`
// runs the first alone (package.json fields, README links, the prepack script).
const STATIC = ["test/metadata.test.ts", "test/imports.test.ts", "test/prepack.test.ts"];

export default defineConfig({
  test: {
    reporters: reporters(import.meta.url),
    projects: [
      { test: { name: "metadata", environment: "node", include: STATIC } },
      {
        test: {
          name: "install",
          environment: "node",
          include: ["test/**/*.test.ts"],
          exclude: STATIC,
          globalSetup: ["./test/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
