// Checks for writing a stranger's tar to disk (oras directories, `toci artifact pull -o DIR`), kept free of any
// file system so that Node and browsers share them: the caller writes, these decide what may be written. The rules
// are those that extraction CVEs taught (tar-slip, symlink races, case-insensitive file systems; oras-go's own
// GHSA-8xwf-rjm4-xvhv): nothing may land or point outside the target directory.
import { ancestors, parentOf } from "./internal/clean-path.js";
import { invalid } from "./internal/errors.js";
import type { EntryHeader } from "./tar-entry.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f\\]/;

/**
 * A name from a stranger as a safe relative path, or `INVALID_ARGUMENT`: absolute names (`/x`, `C:x`), `..`,
 * empty or `.` components, backslashes, NUL and control characters are refused. A leading `./` and a trailing `/`
 * are dropped (`./a/b/` → `a/b`).
 */
export function safePath(name: string): string {
  const refuse = (why: string) => invalid(`unsafe name ${JSON.stringify(String(name).slice(0, 200))}: ${why}`);
  if (typeof name !== "string" || name === "") throw refuse("empty");
  if (CONTROL.test(name)) throw refuse("backslash or control character");
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) throw refuse("absolute");
  const trimmed = name.replace(/^\.\//, "").replace(/\/$/, "");
  const parts = trimmed.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) throw refuse("empty, . or .. component");
  return trimmed;
}

/** What an entry may be written as, once {@link entryGuard} accepted it. */
export interface SafeEntry {
  /** A relative path (see {@link safePath}). */
  path: string;
  type: "file" | "directory" | "symlink" | "link";
  /** Permission bits without setuid, setgid and sticky; a directory keeps the owner's rwx so it can be filled. */
  mode: number;
  /** A symlink's target (relative, resolving inside), or the earlier file a hard link repeats (a safe path). */
  linkTarget?: string;
}

/** Options for {@link entryGuard}. */
export interface EntryGuardOptions {
  /**
   * Whether the target file system tells names apart by case (and Unicode normalization). When false, a name
   * that differs from an earlier one only by case is refused, since it would overwrite it on macOS and Windows.
   * @default false
   */
  caseSensitive?: boolean;
}

interface Known {
  path: string;
  type: SafeEntry["type"] | "parent";
}

/**
 * A checker for the entries of one archive, in order. Each call returns the entry as it may be written, or throws
 * `INVALID_ARGUMENT` for: an unsafe name; a device file or FIFO; a name used twice (a directory may repeat), or
 * that differs from an earlier one only by case; a path through a symlink, or inside a file, of an earlier entry;
 * a non-directory where earlier entries made a directory; a symlink that is absolute, points out of the target,
 * or resolves through another symlink; a hard link to anything but an earlier file. setuid, setgid and sticky bits
 * are dropped.
 */
export function entryGuard(options: EntryGuardOptions = {}): (entry: EntryHeader) => SafeEntry {
  const fold = options.caseSensitive ? (p: string) => p : (p: string) => p.normalize("NFC").toLowerCase();
  const known = new Map<string, Known>();
  const symlinks = new Set<string>();
  const traversed = new Set<string>(); // places earlier symlink targets pass through
  return (entry) => {
    if (entry.type !== "file" && entry.type !== "directory" && entry.type !== "symlink" && entry.type !== "link") {
      throw invalid(`${JSON.stringify(entry.path)} is a ${entry.type}: device files and FIFOs are refused`);
    }
    const path = safePath(entry.path);
    const key = fold(path);
    for (const at of [path, ...ancestors(path)]) {
      const seen = known.get(fold(at));
      if (seen && seen.path !== at)
        throw invalid(`${JSON.stringify(at)} differs from ${JSON.stringify(seen.path)} only by case`);
      if (seen && at !== path && seen.type !== "directory" && seen.type !== "parent") {
        throw invalid(`${JSON.stringify(path)} lies inside ${JSON.stringify(seen.path)}, a ${seen.type}`);
      }
    }
    const prior = known.get(key);
    if (prior && !(entry.type === "directory" && (prior.type === "directory" || prior.type === "parent"))) {
      throw invalid(`${JSON.stringify(path)} appears twice${prior.type === "parent" ? " (first as a directory)" : ""}`);
    }
    const safe: SafeEntry = {
      path,
      type: entry.type,
      mode: entry.type === "directory" ? (entry.mode & 0o777) | 0o700 : entry.mode & 0o777,
    };
    if (entry.type === "symlink") {
      safe.linkTarget = checkSymlink(path, entry.linkTarget ?? "", { fold, symlinks, traversed });
      if (traversed.has(key)) throw invalid(`symlink ${JSON.stringify(path)} is inside an earlier symlink's target`);
      symlinks.add(key);
    } else if (entry.type === "link") {
      const target = safePath(entry.linkTarget ?? "");
      if (known.get(fold(target))?.type !== "file") {
        throw invalid(`hard link ${JSON.stringify(path)} does not repeat an earlier file`);
      }
      safe.linkTarget = target;
    }
    known.set(key, { path, type: entry.type });
    for (const parent of ancestors(path))
      if (!known.has(fold(parent))) known.set(fold(parent), { path: parent, type: "parent" });
    return safe;
  };
}

/** Resolves a symlink's target lexically and refuses it when it leaves the root or passes another symlink. */
function checkSymlink(
  path: string,
  target: string,
  state: { fold: (p: string) => string; symlinks: Set<string>; traversed: Set<string> },
): string {
  const refuse = (why: string) => invalid(`symlink ${JSON.stringify(path)} → ${JSON.stringify(target)} ${why}`);
  if (target === "" || CONTROL.test(target)) throw refuse("has an empty or unsafe target");
  if (target.startsWith("/") || /^[A-Za-z]:/.test(target)) throw refuse("is absolute");
  const parts = parentOf(path) === "" ? [] : parentOf(path).split("/");
  const steps = target.split("/");
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    if (step === "" || step === ".") continue;
    if (step === "..") {
      if (parts.length === 0) throw refuse("points out of the directory");
      parts.pop();
      continue;
    }
    parts.push(step);
    const here = state.fold(parts.join("/"));
    const last = steps.slice(i + 1).every((s) => s === "" || s === ".");
    if (!last) {
      if (state.symlinks.has(here)) throw refuse("resolves through another symlink");
      state.traversed.add(here);
    }
  }
  return target;
}
