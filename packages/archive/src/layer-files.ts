// The entries of one layer (image-spec layer.md): gzip, zstd or plain tar, told by its first bytes, names cleaned
// as runtimes apply them. Whiteouts are handed out as the entries they are (`.wh.` files); imageFiles applies them.

import { decompress } from "./decompress.js";
import { cleanPath } from "./internal/clean-path.js";
import { type ArchiveLimits, limitsOf } from "./limits.js";
import type { TarEntry } from "./tar-entry.js";
import { readTar } from "./tar-reader.js";

/** Options for {@link layerFiles}: the caps on what the layer may make toci read. */
export type LayerFilesOptions = ArchiveLimits;

/**
 * The entries of one layer, in the order of the tar. `path` is cleaned (`./usr/bin/` → `usr/bin`; a leading `/`
 * dropped, as docker and containerd do) and a hard link's target likewise; the root entry (`./`) is skipped. A
 * name with a `..` component is refused with `INVALID_ARGUMENT`, like every other malformed input; caps with
 * `TOO_LARGE`; xz, bzip2 and encrypted layers with `UNSUPPORTED`. Each entry's content is available until the
 * iteration moves on. Breaking out of the loop cancels the stream.
 *
 * @param stream the layer's bytes, as stored (compressed or not)
 * @param mediaType the layer's media type (encrypted layers are refused by it; compression is told by the bytes)
 */
export async function* layerFiles(
  stream: ReadableStream<Uint8Array>,
  mediaType: string,
  options: LayerFilesOptions = {},
): AsyncGenerator<TarEntry> {
  const limits = limitsOf(options);
  for await (const entry of readTar(decompress(stream, mediaType, limits), limits)) {
    const path = cleanPath(entry.path);
    if (path === "") continue;
    const out: TarEntry = { ...entry, path };
    if (entry.type === "link") out.linkTarget = cleanPath(entry.linkTarget!);
    yield out;
  }
}
