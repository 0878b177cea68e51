import { defineConfig } from "vitest/config";
import { chromiumOnDisk } from "../../vitest.shared.js";
import { bundleSizes } from "./bench/bundle-size.js";
import { traceCommands } from "./bench/trace.js";
import { commands } from "./test-browser/harness.js";

// `npm run bench`: pulls of a 256 MiB image into OPFS and IndexedDB in Chromium (an on-disk profile: incognito keeps
// both in memory), next to a Node store-fs pull of the same image in the same rounds (bench/pull.bench.test.ts), and
// the bundle size of client + transport-fetch + store-opfs (bench/bundle-size.ts). ROUNDS sets the rounds (3), CASES
// the cases (comma-separated: node, opfs, idb-page, idb, read; all by default).
// CEILING=1 runs the ceiling bench instead (CEILING_CASES=a,b: only the cases whose label contains a or b).
export default defineConfig({
  optimizeDeps: { include: ["hash-wasm", "idb-keyval"] },
  define: {
    __BENCH_ROUNDS__: JSON.stringify(Number(process.env.ROUNDS ?? 3)),
    __CEILING_CASES__: JSON.stringify(process.env.CEILING_CASES ?? ""),
    __BENCH_CASES__: JSON.stringify(process.env.CASES ?? ""),
  },
  test: {
    // CEILING=1: the ceiling bench instead (bench/ceiling.bench.test.ts: every way to read, page and worker, traced).
    include: [process.env.CEILING ? "bench/ceiling.bench.test.ts" : "bench/pull.bench.test.ts"],
    globalSetup: ["test-browser/global-setup.ts"],
    testTimeout: 3_600_000,
    fileParallelism: false,
    browser: {
      ...chromiumOnDisk("node_modules/.cache/toci-opfs-bench-profile"),
      commands: { ...commands, ...traceCommands, bundleSizes: () => bundleSizes() },
    },
  },
});
