// The files the store writes on OPFS are an OCI image layout of the same shape as on disk (image-spec v1.1.1
// image-layout.md); files written by others are read and kept, damaged ones refused with STORE and left as they are;
// names come only from validated digests and store names.
import {
  ANNOTATION_CONTAINERD_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  type Digest,
  isOciError,
  OCI_INDEX,
  OCI_MANIFEST,
} from "@toci/spec-types";
import { expectCode, putImage } from "@toci/testkit/store-suite";
import { expect, it } from "vitest";
import { opfsStore } from "../dist/index.js";
import { storeDir, storeNames } from "./suite-setup.js";

const fresh = storeNames("layout");

async function readText(dir: FileSystemDirectoryHandle, path: string): Promise<string> {
  const parts = path.split("/");
  let at = dir;
  for (const part of parts.slice(0, -1)) at = await at.getDirectoryHandle(part);
  return (await (await at.getFileHandle(parts.at(-1)!)).getFile()).text();
}

async function writeText(dir: FileSystemDirectoryHandle, file: string, text: string): Promise<void> {
  const writable = await (await dir.getFileHandle(file, { create: true })).createWritable();
  await writable.write(text);
  await writable.close();
}

it("writes oci-layout, index.json with both names of a root, and blobs/<alg>/<hex>", async () => {
  const name = fresh();
  const store = await opfsStore(name);
  const image = await putImage(store, "a");
  await store.tag(image.manifest, "registry.example:5000/team/app:v1");
  await store.close();

  const root = await storeDir(name);
  expect(JSON.parse(await readText(root, "oci-layout"))).toEqual({ imageLayoutVersion: "1.0.0" });
  const [algorithm, hex] = image.layer.digest.split(":");
  expect(await readText(root, `blobs/${algorithm}/${hex}`)).toBe("layer of a");
  // Both names of the root: the tag (image-layout.md) and the full reference (containerd's annotation).
  const annotations = {
    [ANNOTATION_REF_NAME]: "v1",
    [ANNOTATION_CONTAINERD_IMAGE_NAME]: "registry.example:5000/team/app:v1",
  };
  const { mediaType, digest, size } = image.manifest;
  expect(mediaType).toBe(OCI_MANIFEST);
  const index = JSON.parse(await readText(root, "index.json"));
  expect(index).toEqual({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType, digest, size, annotations }],
  });
});

it("keeps what others wrote into index.json, and refuses a damaged one with STORE without rewriting it", async () => {
  const name = fresh();
  const store = await opfsStore(name);
  const image = await putImage(store, "theirs");
  const root = await storeDir(name);
  const foreign = { mediaType: "application/vnd.unknown.thing+json", digest: "not a digest", size: -1 };
  await writeText(
    root,
    "index.json",
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...image.manifest, annotations: { [ANNOTATION_REF_NAME]: "old" } }, foreign],
      annotations: { "org.example.kept": "yes" },
    }),
  );
  expect((await store.resolve("old"))?.digest).toBe(image.manifest.digest);
  await store.tag(image.manifest, "new");
  const rewritten = JSON.parse(await readText(root, "index.json"));
  expect(rewritten.annotations).toEqual({ "org.example.kept": "yes" });
  expect(rewritten.manifests).toContainEqual(foreign);
  expect(rewritten.manifests).toHaveLength(3);

  await writeText(root, "index.json", "{not json");
  await expectCode(store.list(), "STORE");
  await expectCode(store.tag(image.manifest, "v2"), "STORE");
  expect(await readText(root, "index.json")).toBe("{not json"); // not "repaired" blindly
  await store.close();
});

it("refuses to open a directory whose oci-layout is not a layout file", async () => {
  const name = fresh();
  await (await opfsStore(name)).close();
  await writeText(await storeDir(name), "oci-layout", "hello");
  await expectCode(opfsStore(name), "STORE");
});

it("builds names only from validated digests and store names", async () => {
  for (const bad of ["", "..", "a/b", "a\\b"]) await expectCode(opfsStore(bad), "INVALID_ARGUMENT");
  const name = fresh();
  const store = await opfsStore(name);
  for (const digest of ["sha256:../../../x", "sha256:ABCDEF", "md5:d41d8cd98f00b204e9800998ecf8427e"]) {
    const descriptor = { mediaType: "application/octet-stream", digest: digest as Digest, size: 1 };
    await expect(store.ingest(descriptor)).rejects.toSatisfy(isOciError);
    await expect(store.fetch(descriptor)).rejects.toSatisfy(isOciError);
  }
  const blobs = await (await storeDir(name)).getDirectoryHandle("blobs");
  const entries: string[] = [];
  for await (const [entry] of blobs.entries()) entries.push(entry);
  expect(entries).toEqual([]);
  await store.close();
});
