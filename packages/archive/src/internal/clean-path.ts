// Names of layer entries, cleaned the way container runtimes apply layers (docker and containerd join them to the
// root after cleaning): `./a/b/`, `/a//b` and `a/b` are the same path, `a/b`. A `..` component is refused rather
// than clamped: no tool that builds layers writes one, and a layer that does is trying something.
import { invalid } from "./errors.js";

export function cleanPath(name: string): string {
  const parts: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." || part.includes("\0"))
      throw invalid(`tar entry ${JSON.stringify(name)} is not a path inside the archive`);
    parts.push(part);
  }
  return parts.join("/");
}

/** The parent of a cleaned path ("" for a top-level name). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

/** The strict ancestors of a cleaned path, nearest first (`a/b/c` → `a/b`, `a`). */
export function* ancestors(path: string): Generator<string> {
  for (let p = parentOf(path); p !== ""; p = parentOf(p)) yield p;
}

/**
 * Resolves `path` against the directory `base` the way a chroot would: an absolute path starts at the root, `..`
 * stops at it. Both are `/`-separated; the result is cleaned and relative to the root.
 */
export function resolvePath(base: string, path: string): string {
  const parts = path.startsWith("/") || base === "" ? [] : base.split("/");
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}
