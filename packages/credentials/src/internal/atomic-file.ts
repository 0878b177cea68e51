// Replacing a file that holds secrets: a new file beside it, then a rename, so that a reader sees the old file or the
// new one and never half of either. The new file is created exclusively (O_CREAT|O_EXCL: never an existing file, nor
// a symlink planted at its name) under a random name, with mode 0600 from its first byte; a temp name that can be
// guessed lets another local user plant a symlink there and receive the secrets. A symlinked file stays a symlink:
// its target is replaced, as docker's configfile.Save does (filepath.EvalSymlinks), and the new file is made in the
// target's directory so that the rename never crosses file systems.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readlink, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";

/** Symlinks followed before giving up (Linux's MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

/** Writes `text` to `path` atomically with mode 0600, creating its directory (mode 0700) when there is none. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const target = await symlinkTarget(path);
  // 96 random bits: a name nobody can plant in advance; O_EXCL makes a collision an error, never a shared file.
  const temp = join(dirname(target), `${basename(target)}.${randomBytes(12).toString("hex")}.tmp`);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await open(temp, flags, 0o600);
  try {
    try {
      await handle.writeFile(text);
      // On disk before the rename makes it the file: a crash must leave the old file or the whole new one.
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * The file a path finally names after following symlinks, whether or not that file exists (a dangling symlink names
 * the file to create). Throws ELOOP past {@link MAX_SYMLINKS}.
 */
async function symlinkTarget(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < MAX_SYMLINKS; hops++) {
    let link: string;
    try {
      link = await readlink(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // EINVAL: not a symlink; ENOENT: nothing there yet.
      if (code === "EINVAL" || code === "ENOENT") return current;
      throw error;
    }
    current = resolve(dirname(current), link);
  }
  throw Object.assign(new Error(`too many levels of symbolic links: ${path}`), { code: "ELOOP" });
}
