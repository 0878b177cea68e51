// `toci files` and `toci cat`: the filesystem of an image, read straight from the registry (remote-store.ts) by
// @toci/archive: its layers merged in order with whiteouts and opaque directories applied, one file streamed out of
// the layer that holds it. Nothing is stored.
import { type ImageEntry, imageFile, imageFiles } from "@toci/archive";
import { type Descriptor, OciError, type ReadOnlyStore } from "@toci/spec-types";
import { openSession, platform, type RegistryFlags, reference } from "../context.js";
import { UsageError } from "../errors.js";
import type { Run } from "../run.js";
import { STDOUT, writeContent } from "./content-out.js";
import { remoteStore } from "./remote-store.js";

export interface FilesFlags extends RegistryFlags {
  platform?: string;
  long?: boolean;
}

export interface CatFlags extends FilesFlags {
  /** A file to write, or `-` for stdout even on a terminal (content-out.ts). */
  output?: string;
}

/** What --json prints of `toci cat`, content included, up to this (a bigger file goes to stdout as bytes). */
const MAX_JSON_CONTENT = 16 * 1024 * 1024;

/** Runs `fn` with the image's repository as a store, and its root. */
async function withImage(
  run: Run,
  refText: string,
  flags: FilesFlags,
  fn: (store: ReadOnlyStore, root: Descriptor) => Promise<void>,
): Promise<void> {
  const ref = reference(refText);
  const session = await openSession(run.out, flags, "memory");
  try {
    const repo = session.strict((await session.registry(ref.registry)).repo(ref.repository));
    const root = await repo.resolve(ref.digest ?? ref.tag!, { signal: run.signal });
    await fn(remoteStore(repo, run.signal), root);
  } finally {
    await session.close();
  }
}

export async function files(run: Run, refText: string, flags: FilesFlags): Promise<void> {
  const wanted = platform(flags.platform);
  await withImage(run, refText, flags, async (store, root) => {
    const entries: ImageEntry[] = [];
    for await (const entry of imageFiles(store, root, { platform: wanted, signal: run.signal })) entries.push(entry);
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    run.out.result(
      { reference: refText, digest: root.digest, platform: wanted ?? null, files: entries.map(entryJson) },
      entries.map((e) => (flags.long ? longLine(e) : printable(e.path))),
    );
  });
}

export async function cat(run: Run, refText: string, path: string, flags: CatFlags): Promise<void> {
  const wanted = platform(flags.platform);
  if (run.out.json && flags.output === STDOUT) throw new UsageError("--json and -o - both write to stdout: pick one");
  await withImage(run, refText, flags, async (store, root) => {
    const file = await imageFile(store, root, path, { platform: wanted, signal: run.signal });
    if (!file) throw new OciError("NOT_FOUND", `no ${path} in ${refText}`, { detail: { path } });
    if (file.type !== "file") {
      await file.stream().cancel();
      throw new OciError(
        "INVALID_ARGUMENT",
        `${path} is a ${file.type}${file.type === "directory" ? "" : ", not a file"}`,
        {
          detail: { path, type: file.type },
        },
      );
    }
    if (!run.out.json || flags.output) {
      await writeContent(file.stream(), flags.output);
      return run.out.result({ ...entryJson(file), output: flags.output }, []);
    }
    if (file.size > MAX_JSON_CONTENT) {
      await file.stream().cancel();
      throw new OciError("TOO_LARGE", `${path} is ${file.size} bytes: too large for --json; leave --json out`);
    }
    const bytes = new Uint8Array(await new Response(file.stream()).arrayBuffer());
    run.out.result({ ...entryJson(file), base64: Buffer.from(bytes).toString("base64") }, []);
  });
}

/** An entry as --json prints it: its header, and the layer it comes from. */
function entryJson(entry: ImageEntry): Record<string, unknown> {
  const { layer, ...header } = entry;
  return { ...header, ...(layer ? { layer: layer.digest } : {}) };
}

const TYPE_CHARS: Record<ImageEntry["type"], string> = {
  file: "-",
  directory: "d",
  symlink: "l",
  link: "h",
  char: "c",
  block: "b",
  fifo: "p",
};

/** `drwxr-xr-x 0/0 0 2024-01-02 03:04 path`, as `tar tv` prints an entry. */
function longLine(entry: ImageEntry): string {
  const bits = "rwxrwxrwx".replace(/./g, (c, i) => (entry.mode & (0o400 >> i) ? c : "-"));
  const time = new Date(entry.mtime * 1000).toISOString().slice(0, 16).replace("T", " ");
  const target =
    entry.type === "symlink"
      ? ` -> ${printable(entry.linkTarget ?? "")}`
      : entry.type === "link"
        ? ` link to ${printable(entry.linkTarget ?? "")}`
        : "";
  return `${TYPE_CHARS[entry.type]}${bits} ${entry.uid}/${entry.gid} ${String(entry.size).padStart(10)} ${time} ${printable(entry.path)}${target}`;
}

/** A name from an image, with control characters and backslashes escaped so that one path stays one line. */
function printable(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what must not reach the terminal raw
  return name.replace(/[\u0000-\u001f\u007f\\]/g, (c) =>
    c === "\\" ? "\\\\" : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
