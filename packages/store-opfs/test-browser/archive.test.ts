// An OPFS store's image out as an oci-archive, the way a browser app offers it for download (a Blob from
// @toci/archive's stream, behind an object URL), and back into another store; and a blob corrupted on disk fails the
// export instead of going out: the store's reads are verified as they stream.
import { exportArchive, importArchive } from "@toci/archive";
import { ANNOTATION_REF_NAME, isOciError } from "@toci/spec-types";
import { putImage } from "@toci/testkit/store-suite";
import { afterEach, expect, it } from "vitest";
import { type OpfsStore, opfsStore } from "../dist/index.js";
import { flipFirstByte, removeStore, storeDir } from "./suite-setup.js";

const opened: { name: string; store: OpfsStore }[] = [];
const open = async () => {
  const name = `archive-${Date.now()}-${opened.length}`;
  const store = await opfsStore(name);
  opened.push({ name, store });
  return store;
};

afterEach(async () => {
  for (const { name, store } of opened.splice(0)) {
    await store.close();
    await removeStore(name);
  }
});

it("exports an image as an oci-archive download that imports whole into another store", async () => {
  const source = await open();
  const image = await putImage(source, "archived");
  await source.tag(image.manifest, "v1");

  const url = URL.createObjectURL(await new Response(await exportArchive(source, "v1")).blob());
  const download = await (await fetch(url)).blob();
  URL.revokeObjectURL(url);

  const target = await open();
  const roots = await importArchive(target, download);
  expect(roots.map((root) => [root.digest, root.annotations?.[ANNOTATION_REF_NAME]])).toEqual([
    [image.manifest.digest, "v1"],
  ]);
  for (const blob of [image.manifest, image.config, image.layer]) {
    const [copy, original] = await Promise.all(
      [target, source].map(async (store) => new Response(await store.fetch(blob)).text()),
    );
    expect(copy).toBe(original);
  }
});

it("fails the export of a blob corrupted on disk instead of writing it out", async () => {
  const source = await open();
  const image = await putImage(source, "corrupt");
  await source.tag(image.manifest, "v1");
  const [algorithm, hex] = image.layer.digest.split(":") as [string, string];
  const blobs = await (await storeDir(opened[0]!.name)).getDirectoryHandle("blobs");
  await flipFirstByte(await (await blobs.getDirectoryHandle(algorithm)).getFileHandle(hex));

  const reader = (await exportArchive(source, "v1")).getReader();
  let failure: unknown;
  try {
    while (!(await reader.read()).done) {}
  } catch (error) {
    failure = error;
  }
  expect(isOciError(failure) && failure.code).toBe("DIGEST_MISMATCH");
});
