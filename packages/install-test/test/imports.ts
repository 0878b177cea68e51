// The packages a shipped file imports, to hold them against what package.json declares.
import { builtinModules } from "node:module";

const BUILTINS = new Set(builtinModules);

/** Whether a specifier names a Node builtin ("node:fs", "fs", "fs/promises"). */
export function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || BUILTINS.has(specifier) || BUILTINS.has(specifier.split("/")[0]!);
}

/** A package name at the start of a specifier ("@scope/name", "name"), or the whole "node:…" builtin. */
const PACKAGE_NAME = /^(?:node:.+|(?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*)(?=\/|$)/;

/** The package names a JavaScript file imports, re-exports, dynamically imports or requires (string literals). */
export function bareImports(code: string): string[] {
  const text = code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found = new Set<string>();
  for (const re of [
    /\bfrom\s*["']([^"'\s]+)["']/g,
    /\bimport\s*["']([^"'\s]+)["']/g,
    /\bimport\s*\(\s*["']([^"'\s]+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"'\s]+)["']\s*\)/g,
  ]) {
    for (const m of text.matchAll(re)) {
      const name = PACKAGE_NAME.exec(m[1]!)?.[0]; // relative paths, "#imports", URLs and prose are no package
      if (name) found.add(name);
    }
  }
  return [...found];
}

/** What a package.json says its code may import at run time: dependencies and peer dependencies. */
export function declaredDependencies(pkg: Record<string, unknown>): string[] {
  const names = (field: string) => Object.keys((pkg[field] ?? {}) as Record<string, string>);
  return [
    ...new Set([...names("dependencies"), ...names("peerDependencies"), ...names("optionalDependencies")]),
  ].sort();
}
