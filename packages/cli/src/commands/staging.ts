// Writing a stranger's files into a directory (`toci artifact pull -o DIR`), so that nothing lands outside it and
// nothing incomplete looks complete. Everything is written first into a fresh hidden directory inside DIR (same file
// system, so the final step is a rename), each entry as @toci/archive's entryGuard allowed it: files created
// exclusively, symlinks only as checked, hard links only to earlier files. Only once every byte has been verified is
// each name renamed into place, after checking again that no existing file is replaced without --overwrite and that
// no directory on the way is a symlink or a file (which would carry the write elsewhere). A failure or an interrupt
// removes the staging directory; a killed process leaves only that hidden `.toci-pull-*` directory behind.
import { createWriteStream } from "node:fs";
import { chmod, link, lstat, mkdir, mkdtemp, rename, rm, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import type { SafeEntry } from "@toci/archive";
import { OciError } from "@toci/spec-types";

/** The hidden directory a pull writes into before anything is moved into place. */
export class Staging {
  readonly #dir: string;
  readonly #root: string;

  private constructor(dir: string, root: string) {
    this.#dir = dir;
    this.#root = root;
  }

  /** A fresh staging directory inside `dir` (created if missing): `files/` is the tree, `replaced/` what it replaces. */
  static async open(dir: string): Promise<Staging> {
    await mkdir(dir, { recursive: true });
    const root = await mkdtemp(join(dir, ".toci-pull-"));
    await mkdir(join(root, "files"));
    await mkdir(join(root, "replaced"));
    return new Staging(dir, root);
  }

  /** Writes one checked entry (a relative path, as entryGuard returned it) into the staging directory. */
  async write(entry: SafeEntry, content?: ReadableStream<Uint8Array>): Promise<void> {
    const path = join(this.#root, "files", entry.path);
    await mkdir(dirname(path), { recursive: true });
    switch (entry.type) {
      case "directory":
        await mkdir(path, { recursive: true });
        await chmod(path, entry.mode);
        return;
      case "symlink":
        await symlink(entry.linkTarget!, path);
        return;
      case "link":
        await link(join(this.#root, "files", entry.linkTarget!), path);
        return;
      default: {
        const stream = content ?? new ReadableStream({ start: (c) => c.close() });
        await stream.pipeTo(Writable.toWeb(createWriteStream(path, { flags: "wx", mode: entry.mode })));
      }
    }
  }

  /**
   * Renames each staged name to its place in the target directory, refusing (before the first rename) a name whose
   * place is taken unless `overwrite`, or whose way passes through a symlink or a file. What `overwrite` replaces is
   * moved into the staging directory first and removed with it.
   */
  async commit(names: readonly string[], overwrite: boolean): Promise<void> {
    await checkTargets(this.#dir, names, overwrite);
    for (const [i, name] of names.entries()) {
      const target = join(this.#dir, name);
      await mkdir(dirname(target), { recursive: true });
      if (await exists(target)) await rename(target, join(this.#root, "replaced", String(i)));
      await rename(join(this.#root, "files", name), target);
    }
  }

  /** Removes the staging directory and what it still holds. */
  async close(): Promise<void> {
    await rm(this.#root, { recursive: true, force: true });
  }
}

/**
 * Refuses, with `INVALID_ARGUMENT`, a name whose place in `dir` is taken (without `overwrite`), or whose parent
 * directories in `dir` include a symlink or something that is not a directory.
 */
export async function checkTargets(dir: string, names: readonly string[], overwrite: boolean): Promise<void> {
  for (const name of names) {
    const parts = name.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      const info = await lstat(join(dir, parent)).catch(() => undefined);
      if (info && !info.isDirectory()) {
        throw new OciError(
          "INVALID_ARGUMENT",
          `${parent} in ${dir} is a ${kind(info)}: ${name} would be written through it`,
          {
            detail: { path: parent },
          },
        );
      }
    }
    if (!overwrite && (await exists(join(dir, name)))) {
      throw new OciError("INVALID_ARGUMENT", `${join(dir, name)} exists: pass --overwrite to replace it`, {
        detail: { path: name },
      });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

function kind(info: { isSymbolicLink(): boolean; isFile(): boolean }): string {
  return info.isSymbolicLink() ? "symlink" : info.isFile() ? "file" : "special file";
}
