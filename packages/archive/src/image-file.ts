// One file of an image's filesystem, read without merging the whole filesystem: the layers are scanned from the top
// down until one decides the path (holds it, or hides it with a whiteout), and the file's bytes are streamed from
// that layer as they are decompressed. Symlinks are followed inside the image, as a chroot would (absolute targets
// start at the image's root, `..` stops there), hard links read the entry they repeat.
import type { Descriptor, ReadOnlyStore } from "@toci/spec-types";
import type { ImageEntry, ImageFilesOptions } from "./image-files.js";
import { type ImageManifest, imageManifest } from "./image-root.js";
import { ancestors, parentOf, resolvePath } from "./internal/clean-path.js";
import { invalid } from "./internal/errors.js";
import { whiteoutOf } from "./internal/whiteout.js";
import { layerFiles } from "./layer-files.js";
import { type Limits, limitsOf } from "./limits.js";
import type { TarEntry } from "./tar-entry.js";

/** Linux's limit on symlinks followed while resolving one path (MAXSYMLINKS). */
const MAX_HOPS = 40;

/** A file of an image, with its content. */
export interface ImageFile extends ImageEntry {
  /**
   * The content (empty for anything but a regular file), read once. Read it to the end or cancel it: until then
   * it holds the layer it comes from open.
   */
  stream(): ReadableStream<Uint8Array>;
}

/** Options for {@link imageFile}. */
export interface ImageFileOptions extends ImageFilesOptions {
  /** Whether a symlink named by `path` is followed to what it points at (symlinks inside the path always are). @default true */
  follow?: boolean;
}

type Lookup = { file: ImageFile } | { redirect: string; top: number } | undefined;

interface Context {
  store: ReadOnlyStore;
  image: ImageManifest;
  limits: Limits;
  signal: AbortSignal | undefined;
  follow: boolean;
}

/**
 * The file at `path` (`/etc/os-release` or `etc/os-release`) in the filesystem of an image, as {@link imageFiles}
 * lists it, or undefined when there is none. Its `path` is where the bytes were found once links were followed.
 * Layers are read from the top down and only as far as needed; nothing is buffered. Throws `INVALID_ARGUMENT` on
 * a malformed layer or a symlink loop, and what the store throws.
 */
export async function imageFile(
  store: ReadOnlyStore,
  root: Descriptor | string,
  path: string,
  options: ImageFileOptions = {},
): Promise<ImageFile | undefined> {
  const image = await imageManifest(store, root, options.platform);
  const context: Context = {
    store,
    image,
    limits: limitsOf(options),
    signal: options.signal,
    follow: options.follow ?? true,
  };
  let target = resolvePath("", path);
  let top = image.manifest.layers.length - 1;
  for (let hop = 0; hop <= MAX_HOPS; hop++) {
    if (target === "") return withContent(directory(""), undefined);
    const found = await lookup(context, target, top);
    if (!found || "file" in found) return found?.file;
    target = found.redirect;
    top = found.top;
  }
  throw invalid(`too many levels of symbolic links resolving ${JSON.stringify(path)}`);
}

/** Scans layers `top`..0 for `target`, stopping at the first layer that holds it or hides it. */
async function lookup(context: Context, target: string, top: number): Promise<Lookup> {
  const above = new Set(ancestors(target));
  const directories = new Set<string>(); // ancestors a layer above already made directories
  let inside = false; // an entry lies under target: it is at least an implicit directory
  for (let i = top; i >= 0; i--) {
    const layer = context.image.manifest.layers[i]!;
    const entries = layerFiles(
      await context.store.fetch(layer, { signal: context.signal }),
      layer.mediaType,
      context.limits,
    );
    let hidden = false;
    let handedOff = false;
    try {
      for (;;) {
        const { done, value: entry } = await entries.next();
        if (done) break;
        const whiteout = whiteoutOf(entry.path);
        if (whiteout) {
          // Deleting the target or a directory above it, or making one above it opaque, hides the layers below.
          if ("deleted" in whiteout && (whiteout.deleted === target || above.has(whiteout.deleted))) hidden = true;
          if ("opaque" in whiteout && (whiteout.opaque === "" || above.has(whiteout.opaque))) hidden = true;
          continue;
        }
        if (entry.path === target) {
          const found = classify(context, entry, { index: i, layer, top: context.image.manifest.layers.length - 1 });
          if ("file" in found && found.file.type === "file") {
            handedOff = true;
            return { file: withContent(found.file, { entry, release: () => entries.return(undefined) }) };
          }
          return found;
        }
        if (above.has(entry.path) && !directories.has(entry.path)) {
          if (entry.type === "directory") directories.add(entry.path);
          else if (entry.type === "symlink") {
            const rest = target.slice(entry.path.length + 1);
            const to = resolvePath(parentOf(entry.path), entry.linkTarget!);
            return { redirect: resolvePath(to, rest), top: context.image.manifest.layers.length - 1 };
          } else return undefined; // a file where a directory should be: nothing is at target
        }
        if (entry.path.startsWith(`${target}/`)) inside = true;
      }
    } finally {
      if (!handedOff) await entries.return(undefined);
    }
    if (hidden) break;
  }
  return inside ? { file: withContent(directory(target), undefined) } : undefined;
}

/** What finding `entry` at the target means: the file itself, or a link to follow. */
function classify(
  context: Context,
  entry: TarEntry,
  at: { index: number; layer: Descriptor; top: number },
): NonNullable<Lookup> {
  if (entry.type === "link") return { redirect: entry.linkTarget!, top: at.index }; // the entry as of this layer
  if (entry.type === "symlink" && context.follow) {
    return { redirect: resolvePath(parentOf(entry.path), entry.linkTarget!), top: at.top };
  }
  const { stream: _s, bytes: _b, ...header } = entry;
  return { file: withContent({ ...header, layer: at.layer }, undefined) };
}

function directory(path: string): ImageEntry {
  return { path, type: "directory", size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0 };
}

/** An entry with its content: the tar entry's, released with its layer once read or cancelled; else empty. */
function withContent(
  entry: ImageEntry,
  source: { entry: TarEntry; release: () => Promise<unknown> } | undefined,
): ImageFile {
  const { stream: _s, ...header } = entry as ImageFile;
  return {
    ...header,
    stream() {
      if (!source) return new ReadableStream({ start: (c) => c.close() });
      const reader = source.entry.stream().getReader();
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read().catch(async (error) => {
            await source.release();
            throw error;
          });
          if (!done) return controller.enqueue(value);
          controller.close();
          await source.release();
        },
        async cancel(reason) {
          await reader.cancel(reason);
          await source.release();
        },
      });
    },
  };
}
