// The same code in a real browser (Debian's Chromium): Chromium's CompressionStream and DecompressionStream, the
// WebAssembly hasher, fzstd loaded as a chunk when a zstd layer is met. An image made of an oras directory layer is
// listed, one file read, exported as a docker archive and imported back.
import { type Descriptor, describe as describeContent, OCI_CONFIG, OCI_MANIFEST, writeBlob } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { expect, it } from "vitest";
import { exportArchive } from "../src/export-archive.js";
import { imageFile } from "../src/image-file.js";
import { imageFiles } from "../src/image-files.js";
import { importArchive } from "../src/import-archive.js";
import { layerFiles } from "../src/layer-files.js";
import { packDirectory, unpackDirectory } from "../src/oras-directory.js";

const text = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

async function image() {
  const store = memoryStore();
  const packed = packDirectory(
    [
      { path: "hello.txt", data: "hello from chromium\n" },
      { path: "latest", type: "symlink", linkTarget: "hello.txt" },
    ],
    { name: "app" },
  );
  const bytes = new Uint8Array(await new Response(packed.stream).arrayBuffer());
  const layer = await packed.descriptor;
  await writeBlob(store, layer, bytes);
  const put = async (mediaType: string, value: unknown): Promise<Descriptor> => {
    const json = new TextEncoder().encode(JSON.stringify(value));
    const desc = await describeContent(json, { mediaType });
    await writeBlob(store, desc, json);
    return desc;
  };
  const diffId = layer.annotations!["io.deis.oras.content.digest"];
  const config = await put(OCI_CONFIG, {
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [diffId] },
  });
  const manifest = await put(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] });
  await store.tag(manifest, "registry.example/app:v1");
  return { store, layer, bytes, manifest };
}

it("packs and unpacks an oras directory (the content digest checked)", async () => {
  const { layer, bytes } = await image();
  const names: string[] = [];
  for await (const entry of unpackDirectory(new Blob([bytes]).stream(), layer))
    names.push(`${entry.type} ${entry.path}`);
  expect(names).toEqual(["file hello.txt", "symlink latest"]);
});

it("lists an image's files, reads one through a symlink, exports and imports it", async () => {
  const { store, manifest } = await image();
  const paths: string[] = [];
  for await (const entry of imageFiles(store, "v1")) paths.push(entry.path);
  expect(paths).toEqual(["app", "app/hello.txt", "app/latest"]);
  const file = await imageFile(store, "v1", "/app/latest");
  expect(file?.path).toBe("app/hello.txt");
  expect(await text(file!.stream())).toBe("hello from chromium\n");
  const archive = await exportArchive(store, "v1", { format: "docker" });
  const copy = memoryStore();
  const [root] = await importArchive(copy, new Blob([await new Response(archive).arrayBuffer()]));
  expect(root?.digest).toBe(manifest.digest);
});

it("reads a zstd layer (fzstd loaded on first use) and refuses corrupt gzip with INVALID_ARGUMENT", async () => {
  const zst = await fetch(new URL("../test/fixtures/layer.tar.zst", import.meta.url));
  const names: string[] = [];
  for await (const entry of layerFiles(zst.body!, "application/vnd.oci.image.layer.v1.tar+zstd"))
    names.push(entry.path);
  expect(names).toEqual(["docs", "docs/readme.txt", "link", "random.bin"]);
  const { bytes } = await image();
  const corrupt = bytes.slice();
  corrupt[corrupt.length - 6] = corrupt[corrupt.length - 6]! ^ 0xff; // the gzip CRC
  const error = await (async () => {
    for await (const _ of layerFiles(new Blob([corrupt]).stream(), "application/vnd.oci.image.layer.v1.tar+gzip")) {
    }
  })().catch((e) => e);
  expect(error).toMatchObject({ name: "OciError", code: "INVALID_ARGUMENT" });
});
