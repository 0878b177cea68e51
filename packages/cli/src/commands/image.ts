// inspect and config: an image read from the registry without pulling it. `inspect` shows an index's platforms with
// their sizes, or an image's platform, creation time, size, settings and layers (`regctl image inspect`, `skopeo
// inspect`); `config` prints the image's config exactly as the registry serves it (`crane config`).
import type { StrictRepository } from "@toci/client/strict";
import { type Descriptor, isIndex, isManifestMediaType, type Manifest, type Reference } from "@toci/spec-types";
import { openSession, platform, reference } from "../context.js";
import { fetchConfig, isImageConfig, parseJsonObject, readImage, readManifest } from "../image-read.js";
import { imageLines, imageView, indexLines, indexView } from "../image-view.js";
import { writeDocument } from "../printable.js";
import type { Run } from "../run.js";
import type { PlatformFlags } from "./inspect.js";

/**
 * How many platform images of an index `inspect` reads for their sizes. Real indexes list a handful of platforms
 * (and as many attestations); a hostile one may list thousands, which would each cost a request.
 */
const MAX_SIZED_CHILDREN = 64;

/** The repository a reference names, with the command's --platform, for `use`; the session closed after. */
async function withRepository(
  run: Run,
  refText: string,
  flags: PlatformFlags,
  use: (repo: StrictRepository, at: { ref: Reference; platform: string | undefined }) => Promise<void>,
): Promise<void> {
  const ref = reference(refText);
  const wanted = platform(flags.platform);
  const session = await openSession(run.out, flags, "memory");
  try {
    await use(session.strict((await session.registry(ref.registry)).repo(ref.repository)), { ref, platform: wanted });
  } finally {
    await session.close();
  }
}

export function inspect(run: Run, refText: string, flags: PlatformFlags): Promise<void> {
  return withRepository(run, refText, flags, async (repo, { ref, platform: wanted }) => {
    const read = await readManifest(repo, ref.reference, { platform: wanted, signal: run.signal });
    const name = ref.toString();
    if (isIndex(read.manifest)) {
      const images = await childImages(repo, read.manifest.manifests, run.signal);
      const view = indexView(name, { descriptor: read.descriptor, manifest: read.manifest }, images);
      run.out.result(view, indexLines(view));
      return;
    }
    const manifest = read.manifest;
    const config = isImageConfig(manifest.config)
      ? parseJsonObject(await fetchConfig(repo, manifest.config, run.signal), "the image config")
      : undefined;
    const view = imageView(name, { descriptor: read.descriptor, manifest }, config);
    run.out.result(view, imageLines(view));
  });
}

/** The image manifests of an index's children (the first MAX_SIZED_CHILDREN), read at once, by digest. */
async function childImages(
  repo: StrictRepository,
  children: readonly Descriptor[],
  signal: AbortSignal,
): Promise<Map<string, Manifest>> {
  const images = new Map<string, Manifest>();
  const wanted = children.filter((child) => isManifestMediaType(child.mediaType)).slice(0, MAX_SIZED_CHILDREN);
  await Promise.all(
    wanted.map(async (child) => {
      const read = await readManifest(repo, child, { signal });
      if (!isIndex(read.manifest)) images.set(child.digest, read.manifest);
    }),
  );
  return images;
}

export function config(run: Run, refText: string, flags: PlatformFlags): Promise<void> {
  return withRepository(run, refText, flags, async (repo, { ref, platform: wanted }) => {
    const image = await readImage(repo, ref.reference, { platform: wanted, signal: run.signal });
    const descriptor = image.manifest.config;
    const bytes = await fetchConfig(repo, descriptor, run.signal);
    if (run.out.json) {
      const config = parseJsonObject(bytes, "the config");
      run.out.result({ reference: ref.toString(), manifest: image.descriptor, descriptor, config }, []);
    } else {
      writeDocument(bytes);
    }
  });
}
