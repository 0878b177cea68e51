// The import scanner the tarball test relies on: it must find every kind of import, and no prose.
import { describe, expect, it } from "vitest";
import { bareImports, declaredDependencies, hasCode, isBuiltin, relativeImports } from "./imports.js";

describe("bareImports", () => {
  it("finds static, re-exported, side-effect, dynamic and required packages, by package name", () => {
    const code = [
      'import ky from "ky";',
      'export { a } from "@toci/spec-types";',
      'import "idb-keyval/dist/index.js";',
      'const w = await import("hash-wasm");',
      'const fs = require("node:fs");',
    ].join("\n");
    expect(bareImports(code).sort()).toEqual(["@toci/spec-types", "hash-wasm", "idb-keyval", "ky", "node:fs"]);
  });

  it("skips relative paths, #imports, URLs, comments and strings that only look like imports", () => {
    const code = [
      'export * from "./x.js";',
      'import { createHasher } from "#hasher";',
      'await import("data:text/javascript,1");',
      '// import a from "commented";',
      'const s = "copy from ";',
      'console.log("pulled from", ref, "and saved");',
    ].join("\n");
    expect(bareImports(code)).toEqual([]);
  });
});

describe("declaredDependencies and isBuiltin", () => {
  it("count dependencies, peers and optional ones; builtins with and without node:", () => {
    const pkg = { dependencies: { a: "1" }, peerDependencies: { b: "1" }, devDependencies: { c: "1" } };
    expect(declaredDependencies(pkg)).toEqual(["a", "b"]);
    expect(["node:fs", "fs/promises", "events"].every(isBuiltin)).toBe(true);
    expect(isBuiltin("ky")).toBe(false);
  });
});

describe("relativeImports", () => {
  it("finds the relative modules of static, dynamic and re-exporting imports, nothing else", () => {
    const code = [
      'import { a } from "./chunk-Ab12.js";',
      'export * from "../internal/x.js";',
      'const c = await import("./lazy-Cd34.js");',
      'import ky from "ky";',
      '// import "./commented.js";',
    ].join("\n");
    expect(relativeImports(code)).toEqual(["./chunk-Ab12.js", "../internal/x.js", "./lazy-Cd34.js"]);
  });

  it("finds a file a module loads by its own URL (the CLI's bin reads its bundle so), not any URL", () => {
    const code = [
      'const bundle = fileURLToPath(new URL("./main.cjs", import.meta.url));',
      'const page = new URL("./index.html", "https://example.com/");',
      "// as rolldown writes import.meta.url in CommonJS:",
      'const cache = new URL("./cache.cjs", require("url").pathToFileURL(__filename).href);',
    ].join("\n");
    expect(relativeImports(code)).toEqual(["./main.cjs", "./cache.cjs"]);
  });
});

describe("hasCode", () => {
  it("is false for what tsc emits for a types-only module, true for anything else", () => {
    expect(hasCode("export {};\n//# sourceMappingURL=store.js.map\n")).toBe(false);
    expect(hasCode("/** doc */\nexport {};\n")).toBe(false);
    expect(hasCode("export const a = 1;\n")).toBe(true);
  });
});
