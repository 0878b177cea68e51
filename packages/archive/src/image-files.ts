// The filesystem of an image (image-spec layer.md "Applying Changesets"): its layers applied in order, whiteouts
// and opaque directories honoured, the upper layer winning. Walked from the top layer down, so that an entry is
// final the moment it is met (nothing above can change it any more) and can be handed out at once: memory holds
// one name per path, never content.
import type { Descriptor, ReadOnlyStore } from "@toci/spec-types";
import { type ImageManifest, imageManifest, type PlatformChoice } from "./image-root.js";
import { ancestors } from "./internal/clean-path.js";
import { invalid } from "./internal/errors.js";
import { whiteoutOf } from "./internal/whiteout.js";
import { layerFiles } from "./layer-files.js";
import { type ArchiveLimits, type Limits, limitsOf } from "./limits.js";
import type { EntryHeader, EntryType } from "./tar-entry.js";

/** One path of an image's filesystem. */
export interface ImageEntry extends EntryHeader {
  /** The layer that put the entry there; undefined for a directory that no layer names but that holds entries. */
  layer?: Descriptor;
}

/** Options for {@link imageFiles} and {@link imageFile}. */
export interface ImageFilesOptions extends ArchiveLimits {
  /** Which image of an index. Required when the index holds more than one image. */
  platform?: PlatformChoice;
  /** Cancels the reads; the iteration fails with `ABORTED`. */
  signal?: AbortSignal;
}

interface Seen {
  type: EntryType;
  layer: number;
}

/**
 * Every path of the filesystem an image's layers make, once each, top layer's entries first (sort them if order
 * matters). Paths are relative to the root (`usr/bin/env`); whiteout entries are applied, never listed;
 * directories that only exist because entries are inside them are listed last, as mode 0o755. A layer that names
 * a path twice (image-spec layer.md: MUST NOT), or puts entries inside something that is not a directory, is
 * refused with `INVALID_ARGUMENT` (entries before it have been handed out). Hard links are listed as `link`
 * entries; {@link imageFile} reads through them.
 */
export async function* imageFiles(
  store: ReadOnlyStore,
  root: Descriptor | string,
  options: ImageFilesOptions = {},
): AsyncGenerator<ImageEntry> {
  const limits = limitsOf(options);
  const image = await imageManifest(store, root, options.platform);
  const overlay = new Overlay();
  for (let i = image.manifest.layers.length - 1; i >= 0; i--) {
    yield* overlay.apply(store, image, i, { limits, signal: options.signal });
  }
  yield* overlay.implicitDirectories();
}

/** The state of a top-down merge: what is decided, and what the layers above hide. */
class Overlay {
  readonly seen = new Map<string, Seen>();
  /** Paths deleted (with everything under them) by a layer above. */
  readonly deleted = new Set<string>();
  /** Directories whose content from the layers below is hidden ("" is the root). */
  readonly opaque = new Set<string>();

  async *apply(
    store: ReadOnlyStore,
    image: ImageManifest,
    i: number,
    context: { limits: Limits; signal: AbortSignal | undefined },
  ): AsyncGenerator<ImageEntry> {
    const layer = image.manifest.layers[i]!;
    const deletes: string[] = [];
    const opaques: string[] = [];
    const parents = new Set<string>(); // directories this layer's entries are inside of
    const stream = await store.fetch(layer, { signal: context.signal });
    for await (const entry of layerFiles(stream, layer.mediaType, context.limits)) {
      const whiteout = whiteoutOf(entry.path);
      if (whiteout) {
        if ("deleted" in whiteout) deletes.push(whiteout.deleted);
        else if ("opaque" in whiteout) opaques.push(whiteout.opaque);
        continue;
      }
      const prior = this.seen.get(entry.path);
      if (prior?.layer === i) {
        if (prior.type === "directory" && entry.type === "directory") continue;
        throw invalid(`layer ${layer.digest} holds ${JSON.stringify(entry.path)} twice`);
      }
      for (const parent of ancestors(entry.path)) parents.add(parent);
      if (entry.type !== "directory" && parents.has(entry.path)) {
        throw invalid(`layer ${layer.digest} puts entries inside ${JSON.stringify(entry.path)}, a ${entry.type}`);
      }
      if (prior || this.hidden(entry.path, i, layer)) continue;
      this.seen.set(entry.path, { type: entry.type, layer: i });
      const { stream: _s, bytes: _b, ...header } = entry;
      yield { ...header, layer };
    }
    for (const path of deletes) this.deleted.add(path);
    for (const path of opaques) this.opaque.add(path);
  }

  /** Whether the layers above hide `path` of layer `i`. */
  hidden(path: string, i: number, layer: Descriptor): boolean {
    if (this.deleted.has(path) || this.opaque.has("")) return true;
    for (const parent of ancestors(path)) {
      if (this.deleted.has(parent) || this.opaque.has(parent)) return true;
      const seen = this.seen.get(parent);
      if (seen && seen.type !== "directory") {
        if (seen.layer !== i) return true; // replaced by a file or link above: the directory below is gone
        throw invalid(`layer ${layer.digest} puts ${JSON.stringify(path)} inside a ${seen.type}`);
      }
    }
    return false;
  }

  *implicitDirectories(): Generator<ImageEntry> {
    for (const path of [...this.seen.keys()]) {
      for (const parent of ancestors(path)) {
        if (this.seen.has(parent)) break;
        this.seen.set(parent, { type: "directory", layer: -1 });
        yield { path: parent, type: "directory", size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0 };
      }
    }
  }
}
