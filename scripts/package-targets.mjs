// The files a package.json points at: every target of `exports` and `imports` (through nested conditions), `bin`,
// `main`, `module`, `types` and `typings`, as paths relative to the package ("dist/index.js"). Used by prepack.mjs
// (after the build) and by the install test (inside the packed tarball). Subpath patterns ("./*") are skipped:
// they name no single file.

/** @param {unknown} value @param {string[]} out */
function collect(value, out) {
  if (typeof value === "string") {
    if (!value.includes("*")) out.push(value.replace(/^\.\//, ""));
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, out);
  } else if (value && typeof value === "object") {
    for (const v of Object.values(value)) collect(v, out);
  }
}

/** @param {Record<string, unknown>} pkg @returns {string[]} */
export function packageTargets(pkg) {
  const out = [];
  for (const field of ["exports", "imports", "bin", "main", "module", "types", "typings"]) collect(pkg[field], out);
  return [...new Set(out)].sort();
}
