// The `toci` command as shipped, in dist-bin/ (beside dist/, so that `../package.json`, the version, still resolves
// from it): toci.cjs, tsc's dist/bin.js bundled as CommonJS (no ESM loader to start: src/bin.ts; it answers
// `--version` itself and loads nothing else for it), and main.cjs, everything else, one CommonJS script with its
// dependencies inside. The bin runs main.cjs through a V8 code cache (src/code-cache.ts): Node 20 caches no compiled
// ES modules, and a script is the form `vm.Script` can cache. One script rather than a chunk per command: with the
// cache, what a command never calls costs only its share of the cache file, and without it (the first run) a pull
// measured the same as with the chunks. The package ships dist-bin/*.js and *.cjs only (its dependencies are inside,
// so it declares none); the source maps stay local ("hidden": no sourceMappingURL comment pointing at a file the
// tarball leaves out).
import { defineConfig } from "rolldown";

/**
 * Node modules that only some commands use (`toci relay`, `toci login`, a credential helper; commander's
 * subcommands run as programs, which toci has none of), with the names the bundle imports from them. In one script
 * every `require` of a Node module runs when the script starts; these would load HTTP, TLS, readline and
 * child_process into every run (~10 ms of CPU, and ~4 ms more for child_process, measured). Each is replaced by a
 * module that gets the real one from `process.getBuiltinModule` (Node ≥ 20.16) when first used.
 */
const LAZY_BUILTINS = {
  "node:http": ["default"],
  "node:https": ["default"],
  "node:readline": ["createInterface"],
  "node:child_process": ["spawn"],
};

/** The rolldown plugin doing that. */
function lazyBuiltins() {
  const prefix = "\0lazy-builtin:";
  return {
    name: "lazy-builtins",
    resolveId: (id) => (Object.hasOwn(LAZY_BUILTINS, id) ? prefix + id : undefined),
    load(id) {
      if (!id.startsWith(prefix)) return undefined;
      const name = id.slice(prefix.length);
      const real = `process.getBuiltinModule(${JSON.stringify(name)})`;
      return LAZY_BUILTINS[name]
        .map((key) =>
          key === "default"
            ? `export default new Proxy({}, { get: (_, key) => ${real}[key] });`
            : `export function ${key}(...args) { return ${real}.${key}(...args); }`,
        )
        .join("\n");
    },
  };
}

export default defineConfig([
  {
    input: { toci: "dist/bin.js" },
    platform: "node",
    // Only reached when main.cjs is missing (tsc's dist/bin.js in a checkout); never bundled into the bin.
    external: ["./main.js"],
    output: {
      dir: "dist-bin",
      format: "cjs",
      entryFileNames: "[name].cjs",
      chunkFileNames: "[name]-[hash].cjs",
      sourcemap: "hidden",
      // Each build starts from an empty dist-bin/: files of an earlier build would otherwise ship in the tarball.
      cleanDir: true,
    },
  },
  {
    input: { main: "dist/main.js" },
    platform: "node",
    plugins: [lazyBuiltins()],
    output: {
      dir: "dist-bin",
      format: "cjs",
      entryFileNames: "[name].cjs",
      // Only ASCII, so that V8 holds the source as one byte per character: a single "…" in a message made the whole
      // 780 KB a two-byte string, slower to decode and to scan (7 ms of CPU to decode it, measured). Doc comments
      // go too (they held most of the rest, and are read, decoded and hashed on every run); licences stay.
      charset: "ascii",
      comments: { legal: true, annotation: false, jsdoc: false },
      sourcemap: "hidden",
      codeSplitting: false,
      // `import("node:tls")` becomes a require: a vm.Script has no module loader of its own for import().
      dynamicImportInCjs: false,
    },
  },
]);
