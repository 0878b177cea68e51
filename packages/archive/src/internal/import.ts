// The body of importArchive (../import-archive.ts, which says what it does), loaded on its first call. An OCI layout
// is placed by one read (its blobs are named by their digests); a docker save archive by the scan, then its
// manifest.json, then, for a Blob whose layers the scan could only hash, a second read.
import {
  ANNOTATION_CONTAINERD_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  type Descriptor,
  isIndex,
  isManifestOrIndexMediaType,
  OciError,
  parseManifest,
  rootDescriptor,
  type Store,
  successors,
  writeBlob,
} from "@toci/spec-types";
import { decompress } from "../decompress.js";
import { readManifest } from "../image-root.js";
import type { ImportArchiveOptions } from "../import-archive.js";
import { type Limits, limitsOf } from "../limits.js";
import { readTar } from "../tar-reader.js";
import { type Scan, scanArchive } from "./archive-scan.js";
import { cleanPath } from "./clean-path.js";
import { dockerImages, fileAt } from "./docker-save.js";
import { invalid } from "./errors.js";
import { rootName, tagOf } from "./names.js";

/** See importArchive in ../import-archive.ts: this is its body, loaded when it is first called. */
export async function importArchive(
  store: Store,
  source: ReadableStream<Uint8Array> | Blob,
  options: ImportArchiveOptions = {},
): Promise<Descriptor[]> {
  const limits = limitsOf(options);
  const isBlob = typeof Blob !== "undefined" && source instanceof Blob;
  const open = () =>
    decompress(isBlob ? (source as Blob).stream() : (source as ReadableStream<Uint8Array>), "", limits);
  const scan = await scanArchive(store, open(), {
    limits,
    keepAll: !isBlob,
    maxBufferedBytes: options.maxBufferedBytes ?? 64 * 1024 * 1024,
  });
  const index = scan.files.get("index.json");
  if (index) return importLayout(store, index.bytes, options.tag);
  const manifest = scan.files.get("manifest.json");
  if (!manifest?.bytes) {
    throw invalid("not an image archive: no index.json (OCI image layout) and no manifest.json (docker save)");
  }
  const images = await dockerImages(scan, manifest.bytes);
  const names = namesFor(
    images.map((i) => i.names),
    options.tag,
  );
  const later = new Map<string, Descriptor>();
  for (const image of images) {
    for (const layer of image.layers) {
      if (layer.file.stored) continue;
      if (layer.file.bytes) await writeBlob(store, layer.descriptor, layer.file.bytes);
      else later.set(layer.path, layer.descriptor);
    }
  }
  if (later.size > 0 && !isBlob) {
    const [path] = later.keys();
    throw invalid(`${path} is named by a digest its bytes do not have: pass the archive as a Blob to read it twice`);
  }
  if (later.size > 0) await secondPass(store, open(), { scan, wanted: later, limits });
  const roots: Descriptor[] = [];
  for (const [i, image] of images.entries()) {
    await writeBlob(store, image.config.descriptor, image.config.bytes);
    await writeBlob(store, image.manifest.descriptor, image.manifest.bytes);
    for (const name of names[i]!) roots.push(await tag(store, image.manifest.descriptor, name));
  }
  return roots;
}

/** An OCI image layout: its blobs are in the store already; check each root's graph, then name the roots. */
async function importLayout(
  store: Store,
  bytes: Uint8Array | undefined,
  name: string | undefined,
): Promise<Descriptor[]> {
  if (!bytes) throw invalid("index.json is too large");
  const index = parseManifest(bytes, undefined);
  if (!isIndex(index) || index.manifests.length === 0) throw invalid("index.json lists no images");
  for (const root of index.manifests) await checkGraph(store, root);
  const names = namesFor(
    index.manifests.map((root) => namesOf(root)),
    name,
  );
  const roots: Descriptor[] = [];
  for (const [i, root] of index.manifests.entries()) {
    for (const n of names[i]!) roots.push(await tag(store, root, n));
  }
  return roots;
}

/** The names an index.json entry gives its image: the full reference when it has one, else its ref.name. */
function namesOf(root: Descriptor): string[] {
  const name = root.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME] ?? root.annotations?.[ANNOTATION_REF_NAME];
  return name === undefined ? [] : [name];
}

/** Each image's names, `tag` replacing them (one image only); refused when an image would get none. */
function namesFor(names: string[][], tagged: string | undefined): string[][] {
  if (tagged !== undefined) {
    if (names.length !== 1) throw invalid(`the archive holds ${names.length} images: a tag names one`);
    return [[tagged]];
  }
  if (names.some((n) => n.length === 0)) throw invalid("an image in the archive has no name: give it a tag");
  return names;
}

async function tag(store: Store, descriptor: Descriptor, name: string): Promise<Descriptor> {
  const parsed = rootName(name);
  await store.tag(descriptor, tagOf(parsed));
  return rootDescriptor(descriptor, parsed);
}

/**
 * Checks that the store holds what a root needs: every manifest and what it points at. An index may lack some of
 * its manifests (docker saves only the platforms it has); a manifest may lack only foreign layers (with urls).
 */
async function checkGraph(store: Store, root: Descriptor, depth = 0, inIndex = false): Promise<boolean> {
  if (!(await store.exists(root))) {
    if (inIndex || root.urls?.length) return false;
    throw invalid(`the archive lacks ${root.digest}, which its images need`);
  }
  if (depth > 0 && !isManifestOrIndexMediaType(root.mediaType)) return true;
  if (depth > 4) throw new OciError("MANIFEST_INVALID", `${root.digest}: manifests nest deeper than 4 levels`);
  const parsed = await readManifest(store, root);
  const index = isIndex(parsed);
  let present = 0;
  for (const child of successors(parsed)) if (await checkGraph(store, child, depth + 1, index)) present++;
  if (index && present === 0 && parsed.manifests.length > 0)
    throw invalid(`the archive lacks every image of ${root.digest}`);
  return true;
}

/** Reads a Blob archive again for the layers the first read could only hash. */
async function secondPass(
  store: Store,
  tar: ReadableStream<Uint8Array>,
  { scan, wanted, limits }: { scan: Scan; wanted: Map<string, Descriptor>; limits: Limits },
): Promise<void> {
  const byFile = new Map<object, Descriptor>();
  for (const [path, descriptor] of wanted) byFile.set(fileAt(scan, path), descriptor);
  for await (const entry of readTar(tar, limits)) {
    const file = scan.files.get(cleanPath(entry.path));
    const descriptor = file && byFile.get(file);
    if (!descriptor) continue;
    await writeBlob(store, descriptor, entry.stream());
    byFile.delete(file);
  }
  if (byFile.size > 0) throw invalid("the archive changed between its two reads");
}
