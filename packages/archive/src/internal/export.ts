// The body of exportArchive (../export-archive.ts, which says what it writes), loaded on its first call: the blobs
// under the root, checked present before the first byte, then streamed through the tar writer.
import {
  type Descriptor,
  isIndex,
  isManifestOrIndexMediaType,
  OCI_INDEX,
  OciError,
  type ReadOnlyStore,
  type RootName,
  rootDescriptor,
  successors,
} from "@toci/spec-types";
import type { ExportArchiveOptions } from "../export-archive.js";
import { imageManifest, readManifest, rootOf } from "../image-root.js";
import { type TarWriteEntry, tarStream } from "../tar-writer.js";
import { rootName } from "./names.js";

/** Manifests nest one or two levels in real images; deeper is refused rather than walked. */
const MAX_DEPTH = 4;

/** See exportArchive in ../export-archive.ts: this is its body, loaded when it is first called. */
export async function exportArchive(
  store: ReadOnlyStore,
  root: Descriptor | string,
  options: ExportArchiveOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const format = options.format ?? "oci";
  if (format !== "oci" && format !== "docker")
    throw new OciError("INVALID_ARGUMENT", `unknown archive format ${format}`);
  const found = await rootOf(store, root);
  const name = nameOf(options.name, found);
  let top = found;
  const docker: { path: string; data: string }[] = [];
  if (format === "docker" || options.platform !== undefined) {
    const image = await imageManifest(store, found, options.platform);
    top = image.descriptor;
    if (format === "docker") {
      const { config, layers } = image.manifest;
      const manifest = [
        { Config: blobPath(config), RepoTags: name?.full ? [name.full] : [], Layers: layers.map(blobPath) },
      ];
      docker.push({ path: "manifest.json", data: JSON.stringify(manifest) });
      if (name?.full)
        docker.push({ path: "repositories", data: JSON.stringify(repositories(name.full, layers.at(-1))) });
    }
  }
  const blobs = await graphOf(store, top);
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [name ? rootDescriptor(top, name) : baseOf(top)] };
  async function* entries(): AsyncGenerator<TarWriteEntry> {
    yield { path: "oci-layout", data: '{"imageLayoutVersion":"1.0.0"}' };
    yield { path: "blobs", type: "directory" };
    for (const algorithm of new Set(blobs.map((b) => b.digest.split(":")[0]!))) {
      yield { path: `blobs/${algorithm}`, type: "directory" };
    }
    for (const blob of blobs) {
      yield { path: blobPath(blob), size: blob.size, data: await store.fetch(blob, { signal: options.signal }) };
    }
    yield* docker;
    yield { path: "index.json", data: JSON.stringify(index) };
  }
  return tarStream(entries());
}

/** Every blob under `root` (root included), children first, each once; absent foreign layers left out. */
async function graphOf(store: ReadOnlyStore, root: Descriptor): Promise<Descriptor[]> {
  const out = new Map<string, Descriptor>();
  const visit = async (descriptor: Descriptor, depth: number): Promise<void> => {
    if (out.has(descriptor.digest)) return;
    if (!(await store.exists(descriptor))) {
      if (descriptor.urls?.length) return;
      throw new OciError("NOT_FOUND", `${descriptor.digest} is not in the store: pull the image whole first`);
    }
    if (depth === 0 || isManifestOrIndexMediaType(descriptor.mediaType)) {
      const parsed = await readManifest(store, descriptor);
      if (depth >= MAX_DEPTH && isIndex(parsed)) {
        throw new OciError("MANIFEST_INVALID", `${descriptor.digest}: indexes nest deeper than ${MAX_DEPTH} levels`);
      }
      for (const child of successors(parsed)) await visit(child, depth + 1);
    }
    out.set(descriptor.digest, baseOf(descriptor));
  };
  await visit(root, 0);
  return [...out.values()];
}

function nameOf(given: string | undefined, root: Descriptor): RootName | undefined {
  const name =
    given ?? root.annotations?.["io.containerd.image.name"] ?? root.annotations?.["org.opencontainers.image.ref.name"];
  return name === undefined ? undefined : rootName(name);
}

function baseOf(descriptor: Descriptor): Descriptor {
  const { annotations: _a, ...rest } = descriptor;
  return rest;
}

function blobPath(descriptor: Pick<Descriptor, "digest">): string {
  return `blobs/${descriptor.digest.replace(":", "/")}`;
}

/** docker's legacy `repositories`: repository → tag → the top layer, as docker save still writes it. */
function repositories(full: string, top: Descriptor | undefined): Record<string, Record<string, string>> {
  const colon = full.lastIndexOf(":");
  return { [full.slice(0, colon)]: { [full.slice(colon + 1)]: top?.digest.split(":")[1] ?? "" } };
}
