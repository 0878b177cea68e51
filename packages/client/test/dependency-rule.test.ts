// The one dependency rule (docs/architecture.md §1), enforced rather than promised (as in
// go-containerregistry's depcheck_test.go): client and spec-types are runtime-neutral, client depends on
// spec-types only, and adapters stand alone.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const packagesDir = new URL("../../", import.meta.url).pathname;
const pkgJson = (name: string) =>
  JSON.parse(readFileSync(join(packagesDir, name, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|js|mjs)$/.test(entry) && !/\.test\.ts$/.test(entry)) out.push(path);
  }
  return out;
}

/** Every module specifier a file imports, re-exports, dynamically imports or requires. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  const found: string[] = [];
  for (const re of [
    /\bfrom\s+["']([^"']+)["']/g,
    /\bimport\s+["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
    /declare\s+module\s+["']([^"']+)["']/g,
  ]) {
    for (const m of text.matchAll(re)) found.push(m[1]!);
  }
  return found;
}

const builtins = new Set(builtinModules.flatMap((m) => [m, m.split("/")[0]!]));
const isNodeBuiltin = (s: string) => s.startsWith("node:") || builtins.has(s) || builtins.has(s.split("/")[0]!);

/** The single file of the runtime-neutral packages allowed to touch Node: the node:crypto hasher (docs/architecture.md §1). */
const NODE_HASHER = ["spec-types/src/internal/hasher-node.ts", "spec-types/src/internal/node-crypto.d.ts"];

/** Node globals, as whole words: `arrayBuffer()` or `ArrayBuffer(` is not `Buffer(`. */
const NODE_GLOBALS = [/\bprocess\./, /\bBuffer[.(]/, /\b__dirname\b/, /\b__filename\b/, /\brequire\(/];

const ADAPTERS = readdirSync(packagesDir).filter((d) => /^(store|transport)-/.test(d));
/**
 * Packages that, like the adapters, depend on spec-types only (docs/architecture.md §1); credentials is Node-only, relay is
 * runtime-neutral outside its Node subpath.
 */
const SPEC_TYPES_ONLY = ["credentials", "archive", "relay"];
/** Of those, the runtime-neutral ones: Web standards only, as client and spec-types. */
const NEUTRAL_LIBRARIES = ["archive", "relay"];

/** The relay's Node-only subpath (`@toci/relay/node`); the rest of the package is runtime-neutral. */
const RELAY_NODE = [
  "relay/src/node.ts",
  "relay/src/internal/node-bridge.ts",
  "relay/src/internal/node-fetch.ts",
  "relay/src/internal/document-coding.ts",
];

describe("the dependency rule", () => {
  it("client depends at run time on @toci/spec-types only", () => {
    const { dependencies = {}, peerDependencies = {} } = pkgJson("client");
    expect(Object.keys({ ...dependencies, ...peerDependencies })).toEqual(["@toci/spec-types"]);
  });

  it("spec-types depends on no other @toci package", () => {
    const { dependencies = {} } = pkgJson("spec-types");
    expect(Object.keys(dependencies).filter((d) => d.startsWith("@toci/"))).toEqual([]);
  });

  // The runtime-neutral core and libraries, and the adapters that run only in browsers.
  for (const pkg of ["client", "spec-types", ...NEUTRAL_LIBRARIES, "store-indexeddb", "store-opfs"]) {
    it(`${pkg}/src imports no Node builtin and uses no Node global (outside the Node hasher and relay/node)`, () => {
      const offenders: string[] = [];
      for (const file of sourceFiles(join(packagesDir, pkg, "src"))) {
        const rel = relative(packagesDir, file);
        if (NODE_HASHER.includes(rel) || RELAY_NODE.includes(rel)) continue;
        for (const s of specifiers(file)) if (isNodeBuiltin(s)) offenders.push(`${rel} imports ${s}`);
        const code = readFileSync(file, "utf8").replace(/\/\/.*$/gm, "");
        for (const global of NODE_GLOBALS) if (global.test(code)) offenders.push(`${rel} uses ${global.source}`);
      }
      expect(offenders).toEqual([]);
    });
  }

  it("client/src imports no adapter and no CLI", () => {
    const offenders = sourceFiles(join(packagesDir, "client", "src")).flatMap((file) =>
      specifiers(file)
        .filter((s) => /^@toci\/(store-|transport-|cli|testkit)/.test(s))
        .map((s) => `${relative(packagesDir, file)} imports ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it.each([...ADAPTERS, ...SPEC_TYPES_ONLY])("%s never imports client, another adapter, or the CLI", (adapter) => {
    const { dependencies = {}, peerDependencies = {} } = pkgJson(adapter);
    const deps = Object.keys({ ...dependencies, ...peerDependencies }).filter((d) => d.startsWith("@toci/"));
    expect(deps.filter((d) => d !== "@toci/spec-types")).toEqual([]);
    const offenders = sourceFiles(join(packagesDir, adapter, "src")).flatMap((file) =>
      specifiers(file)
        .filter((s) => s.startsWith("@toci/") && !s.startsWith("@toci/spec-types") && !s.startsWith(`@toci/${adapter}`))
        .map((s) => `${relative(packagesDir, file)} imports ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it("the checks see real imports (the rule cannot pass vacuously)", () => {
    const hasher = join(packagesDir, NODE_HASHER[0]!);
    expect(specifiers(hasher)).toContain("node:crypto");
    expect(isNodeBuiltin("fs")).toBe(true);
    expect(isNodeBuiltin("fs/promises")).toBe(true);
    expect(isNodeBuiltin("node:stream/web")).toBe(true);
    expect(isNodeBuiltin("@toci/spec-types")).toBe(false);
    expect(ADAPTERS).toContain("store-opfs");
    expect(NODE_GLOBALS.filter((g) => g.test("Buffer.from(x); arrayBuffer()")).map((g) => g.source)).toEqual([
      "\\bBuffer[.(]",
    ]);
    expect(ADAPTERS.length).toBeGreaterThanOrEqual(4);
    expect(specifiers(join(packagesDir, RELAY_NODE[0]!))).toContain("node:http");
    for (const pkg of SPEC_TYPES_ONLY) expect(sourceFiles(join(packagesDir, pkg, "src")).length).toBeGreaterThan(0);
  });
});
