// The bench's test images, the baselines' three (made by testkit): "big" (4 layers of
// BIG_MIB MiB, real tar+gzip of random bytes), "many" (200 × 64 KiB) and "multi" (an index of two platforms, 3 ×
// 16 MiB each), written as OCI layouts and pushed to the registry with skopeo.

import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import {
  manyLayersImage,
  multiArchIndex,
  pushWithSkopeo,
  writeLargeLayerImage,
  writeLayout,
} from "@toci/testkit/fixtures";

export const TAG = "v1";

/**
 * Builds the layouts under `work` and pushes them; returns { layouts, sizes } (sizes: bytes of all blobs). `only`, a
 * set of image names, builds just those (all when undefined).
 */
export async function buildImages(work, registry, bigBytes, only) {
  const layouts = { big: join(work, "img-big"), many: join(work, "img-many"), multi: join(work, "img-multi") };
  const wanted = (name) => !only || only.has(name);
  const sizes = {};
  process.stderr.write("building images…\n");
  if (wanted("big")) {
    const big = await writeLargeLayerImage(layouts.big, { size: bigBytes, layers: 4, seed: "bench-big", tag: TAG });
    sizes.big = big.blobs.reduce((n, b) => n + b.descriptor.size, 0);
  }
  if (wanted("many")) {
    const many = manyLayersImage({ seed: "bench-many" });
    writeLayout(layouts.many, many, TAG);
    sizes.many = many.blobs.reduce((n, b) => n + b.descriptor.size, 0);
  }
  if (wanted("multi")) {
    const multi = multiArchIndex({ seed: "bench-multi", layerSizes: [16 << 20, 16 << 20, 16 << 20] });
    writeLayout(layouts.multi, multi, TAG);
    sizes.multiArm = multi.images[1].blobs.reduce((n, b) => n + b.descriptor.size, 0);
  }
  process.stderr.write("pushing them with skopeo…\n");
  for (const name of ["big", "many", "multi"]) {
    if (wanted(name)) await pushWithSkopeo(layouts[name], TAG, registry, name);
  }
  return { layouts, sizes };
}

/**
 * skopeo as a first-time user: as root it keeps a blob-info cache that turns pushes to a new repository into
 * mounts; a private mount namespace gives each call an empty one (the baselines' skopeo-fresh).
 */
export function skopeoCommand(work) {
  const fresh = process.getuid?.() === 0;
  if (fresh) mkdirSync("/var/lib/containers/cache", { recursive: true });
  return (...args) => {
    if (!fresh) return ["skopeo", ["--insecure-policy", ...args]];
    const cache = mkdtempSync(join(work, "skopeo-cache-"));
    const script = 'mount --bind "$0" /var/lib/containers/cache && exec skopeo --insecure-policy "$@"';
    return ["unshare", ["-m", "sh", "-c", script, cache, ...args]];
  };
}
