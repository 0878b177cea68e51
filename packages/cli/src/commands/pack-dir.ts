// A directory of the disk packed as oras packs directories (@toci/archive's packDirectory: tar+gzip, entries under
// the directory's name, the oras annotations), into a temporary file: the push then reads it as a Blob, twice
// (hashed, uploaded), never whole in memory. Symlinks are packed as links (packDirectory refuses one that points out
// of the directory); sockets, FIFOs and devices are refused.
import { createWriteStream, openAsBlob } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type DirectoryEntry, packDirectory } from "@toci/archive";
import { type Descriptor, OciError } from "@toci/spec-types";

/** Packs `dir` as the oras directory `name` into the file `into`; resolves the layer's descriptor and bytes. */
export async function packDir(
  dir: string,
  name: string,
  into: string,
): Promise<{ descriptor: Descriptor; data: Blob }> {
  const packed = packDirectory(walk(dir, ""), { name });
  await packed.stream.pipeTo(Writable.toWeb(createWriteStream(into, { flags: "wx" })));
  return { descriptor: await packed.descriptor, data: await openAsBlob(into) };
}

/** The entries under `dir`, parents before children, in name order (the same tree gives the same tar). */
async function* walk(dir: string, prefix: string): AsyncGenerator<DirectoryEntry> {
  const names = (await readdir(join(dir, prefix))).sort();
  for (const entry of names) {
    const path = prefix ? `${prefix}/${entry}` : entry;
    const full = join(dir, path);
    const info = await lstat(full);
    const common = { path, mode: info.mode & 0o777, mtime: Math.floor(info.mtimeMs / 1000) };
    if (info.isDirectory()) {
      yield { ...common, type: "directory" };
      yield* walk(dir, path);
    } else if (info.isFile()) {
      yield { ...common, data: await openAsBlob(full), size: info.size };
    } else if (info.isSymbolicLink()) {
      yield { ...common, type: "symlink", linkTarget: await readlink(full) };
    } else {
      throw new OciError("INVALID_ARGUMENT", `${full}: sockets, FIFOs and devices cannot be packed`);
    }
  }
}
