/** The files a package.json points at (exports, imports, bin, main, module, types), relative to the package. */
export function packageTargets(pkg: Record<string, unknown>): string[];
