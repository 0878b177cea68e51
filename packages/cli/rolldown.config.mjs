// The `toci` command as shipped: dist/bin.js (tsc's output) bundled with its dependencies into dist-bin/, so that
// a run resolves and loads a few files instead of ~60 (measured: 30–40 ms of a 0.33 s pull). Commands stay lazy:
// each dynamic import is its own chunk. dist-bin/ sits beside dist/ so that `../package.json` (the version) still
// resolves from it. The package ships dist-bin/*.js only (its dependencies are inside, so it declares none); the
// source maps stay local ("hidden": no sourceMappingURL comment pointing at a file the tarball leaves out).
import { defineConfig } from "rolldown";

export default defineConfig({
  input: { toci: "dist/bin.js" },
  platform: "node",
  output: {
    dir: "dist-bin",
    format: "esm",
    entryFileNames: "[name].js",
    chunkFileNames: "[name]-[hash].js",
    sourcemap: "hidden",
    // Each build starts from an empty dist-bin/: chunk names carry a hash, and the files of an earlier build would
    // otherwise stay beside the new ones and ship in the tarball.
    cleanDir: true,
    // Commands load what they need when they run (`toci --help` loads toci.js and the errors only). The client and
    // its transport load together, and spec-types' modules as one chunk: a few chunks instead of a dozen, since each
    // import between chunks is a resolution at start-up, and a dozen more made V8 optimise Node's path helpers
    // mid-run (+4 MiB RSS, +8% CPU per call, measured).
    codeSplitting: {
      includeDependenciesRecursively: false,
      groups: [
        { name: "errors", test: /packages\/spec-types\/dist\/errors\.js$/, priority: 3 },
        { name: "client", test: /packages\/(client|transport-node)\/dist\//, priority: 2 },
        { name: "spec-types", test: /packages\/spec-types\/dist\//, priority: 1 },
      ],
    },
  },
});
