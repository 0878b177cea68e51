#!/usr/bin/env node
// Builds the playground's service worker (sw.ts) into the built site's root as /toci-sw.js: one classic script
// (every browser runs those as service workers; vite's iife library build inlines dynamic imports), minified, for
// browsers. `npm run build` runs it after vitepress.
import { fileURLToPath } from "node:url";
import { build } from "vite";

const root = fileURLToPath(new URL("..", import.meta.url));

await build({
  configFile: false,
  root,
  logLevel: "warn",
  resolve: { conditions: ["browser", "module", "import", "default"] },
  build: {
    outDir: ".vitepress/dist",
    emptyOutDir: false,
    copyPublicDir: false,
    minify: true,
    target: "es2022",
    lib: { entry: "playground/sw.ts", formats: ["iife"], name: "tociPlaygroundWorker", fileName: () => "toci-sw.js" },
  },
});
