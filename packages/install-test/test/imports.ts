// The packages a shipped file imports, to hold them against what package.json declares.
import { builtinModules } from "node:module";

const BUILTINS = new Set(builtinModules);

/** Whether a specifier names a Node builtin ("node:fs", "fs", "fs/promises"). */
export function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || BUILTINS.has(specifier) || BUILTINS.has(specifier.split("/")[0]!);
}

/** A package name at the start of a specifier ("@scope/name", "name"), or the whole "node:…" builtin. */
const PACKAGE_NAME = /^(?:node:.+|(?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*)(?=\/|$)/;

/**
 * import … from "x", export … from "x", import "x", import("x"), require("x"), and a file the module loads by its
 * own URL, `new URL("./x", import.meta.url)` (the CLI's bin reads its bundle so), or that URL as a bundler writes it
 * in CommonJS, `new URL("./x", require("url").pathToFileURL(__filename).href)`: string literals only.
 */
const IMPORTS = [
  /\bfrom\s*["']([^"'\s]+)["']/g,
  /\bimport\s*["']([^"'\s]+)["']/g,
  /\bimport\s*\(\s*["']([^"'\s]+)["']\s*\)/g,
  /\brequire\s*\(\s*["']([^"'\s]+)["']\s*\)/g,
  /\bnew\s+URL\s*\(\s*["']([^"'\s]+)["']\s*,\s*(?:import\.meta\.url|require\(\s*["'](?:node:)?url["']\s*\)\.pathToFileURL\(\s*__filename\s*\)\.href)\s*\)/g,
];

/** Every module specifier a JavaScript file names in an import, re-export, dynamic import or require. */
function specifiers(code: string): string[] {
  const text = code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return IMPORTS.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]!));
}

/** The package names a JavaScript file imports (relative paths, "#imports", URLs and prose are no package). */
export function bareImports(code: string): string[] {
  return [...new Set(specifiers(code).flatMap((s) => PACKAGE_NAME.exec(s)?.[0] ?? []))];
}

/** The relative modules a JavaScript file imports ("./chunk-a1b2.js"), to walk what a package's entry points reach. */
export function relativeImports(code: string): string[] {
  return specifiers(code).filter((s) => s.startsWith("./") || s.startsWith("../"));
}

/** What a package.json says its code may import at run time: dependencies and peer dependencies. */
export function declaredDependencies(pkg: Record<string, unknown>): string[] {
  const names = (field: string) => Object.keys((pkg[field] ?? {}) as Record<string, string>);
  return [
    ...new Set([...names("dependencies"), ...names("peerDependencies"), ...names("optionalDependencies")]),
  ].sort();
}

/** Whether a JavaScript file has code: tsc emits `export {};` (and a source map comment) for a types-only module. */
export function hasCode(code: string): boolean {
  const text = code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  return text.replace(/export\s*\{\s*\};?/g, "").trim().length > 0;
}
