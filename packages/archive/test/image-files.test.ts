// The merged filesystem of an image against umoci's (`umoci unpack` applies the layers to a real directory):
// imageFiles lists exactly the paths of umoci's rootfs, and imageFile returns the same bytes for every regular
// file. The layers are made by GNU tar and hold whiteouts, opaque directories, directories replaced by files and
// files by directories, implicit parent directories, symlinks and hard links.
import fs from "node:fs";
import path from "node:path";
import { OCI_INDEX } from "@toci/spec-types";
import { jsonBlob, multiArchIndex } from "@toci/testkit/fixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { imageFile } from "../src/image-file.js";
import { imageFiles } from "../src/image-files.js";
import { tarStream } from "../src/tar-writer.js";
import { bytesOf, codeOf, gnuTar, imageOf, layoutWith, run, storeWith, type Tree, tempDir } from "./helpers.js";

const base: Tree = {
  "etc/os-release": "ID=base\n",
  "etc/passwd": "root:x:0:0\n",
  "usr/bin/tool": "#!/bin/sh\necho tool\n",
  "usr/lib/libx.so": new Uint8Array(5000).map((_, i) => i & 0xff),
  lib: { symlink: "usr/lib" },
  "opt/app/a": "a",
  "opt/app/b": "b",
  "var/old/x": "x",
  "var/old/y/z": "z",
  "data/keep": "keep",
  "data/gone": "gone",
  "hard/orig": "shared bytes",
  "hard/link": { link: "hard/orig" },
  "srv/f": "a file that becomes a directory",
  "srv2/d/inside": "a directory that becomes a file",
  "empty-dir": { dir: true },
};

/** Layer 1: whiteouts, an opaque directory, replacements, and entries whose parents have no entry. */
const middle: Tree = {
  "etc/.wh.passwd": "",
  "opt/app/.wh..wh..opq": "",
  "opt/app/c": "c",
  "var/.wh.old": "",
  "data/.wh.gone": "",
  "new/implicit/deep/file": "deep",
  "srv/f/inner": "now inside",
  "srv2/d": "now a file",
};
const middleMembers = [
  "./etc/.wh.passwd",
  "./opt/app",
  "./var/.wh.old",
  "./data/.wh.gone",
  "./new/implicit/deep/file",
  "./srv/f",
  "./srv2/.wh.d",
  "./srv2/d",
];

const top: Tree = {
  "etc/os-release": "ID=top\n",
  "usr/bin/tool2": "two",
  "data/new": "new",
  "etc/hard2": { link: "etc/os-release" },
};

/** Every path under a directory, relative, not following symlinks. */
function walk(root: string, at = ""): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(path.join(root, at))) {
    const rel = at ? `${at}/${name}` : name;
    out.push(rel);
    if (fs.lstatSync(path.join(root, rel)).isDirectory()) out.push(...walk(root, rel));
  }
  return out;
}

describe("imageFiles and imageFile against umoci unpack", () => {
  let rootfs: string;
  const image = imageOf(
    [gnuTar(base), gnuTar({ ...middle, "srv2/.wh.d": "" }, { members: middleMembers }), gnuTar(top)],
    { gzip: true },
  );

  beforeAll(() => {
    const layout = layoutWith(image);
    const bundle = path.join(tempDir(), "bundle");
    run("umoci", ["unpack", "--rootless", "--image", `${layout}:v1`, bundle]);
    rootfs = path.join(bundle, "rootfs");
  });

  it("lists exactly the paths of umoci's rootfs", async () => {
    const store = await storeWith(image);
    const listed: string[] = [];
    for await (const entry of imageFiles(store, "v1")) listed.push(entry.path);
    expect(new Set(listed).size).toBe(listed.length); // each path once
    expect(listed.sort()).toEqual(walk(rootfs).sort());
    // the cases the image was built for
    expect(listed).not.toContain("etc/passwd");
    expect(listed).not.toContain("opt/app/a");
    expect(listed).toContain("opt/app/c");
    expect(listed.filter((p) => p.startsWith("var/"))).toEqual([]);
    expect(listed).toContain("new/implicit");
    expect(listed).toContain("srv/f/inner");
    expect(listed).not.toContain("srv2/d/inside");
    expect(listed).not.toContain(".wh.old");
  });

  it("imageFile returns umoci's bytes for every regular file", async () => {
    const store = await storeWith(image);
    const files = walk(rootfs).filter((p) => fs.lstatSync(path.join(rootfs, p)).isFile());
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const found = await imageFile(store, "v1", `/${file}`);
      expect(found, file).toBeDefined();
      const bytes = await bytesOf(found!.stream());
      expect(Buffer.from(bytes).equals(fs.readFileSync(path.join(rootfs, file))), file).toBe(true);
    }
  });

  it("entries carry what umoci made of them: types, modes, symlink targets", async () => {
    const store = await storeWith(image);
    const byPath = new Map<string, { type: string; mode: number; linkTarget?: string }>();
    for await (const entry of imageFiles(store, "v1")) byPath.set(entry.path, entry);
    for (const [p, entry] of byPath) {
      const stat = fs.lstatSync(path.join(rootfs, p));
      const kind = stat.isSymbolicLink() ? "symlink" : stat.isDirectory() ? "directory" : "file";
      expect(entry.type === "link" ? "file" : entry.type, p).toBe(kind);
      if (kind === "symlink") expect(entry.linkTarget).toBe(fs.readlinkSync(path.join(rootfs, p)));
      if (kind === "file") expect(entry.mode & 0o777, p).toBe(stat.mode & 0o777);
    }
  });

  it("imageFile follows symlinks inside the image (also in the middle of a path) and hard links", async () => {
    const store = await storeWith(image);
    const viaLib = await imageFile(store, "v1", "lib/libx.so");
    expect(viaLib?.path).toBe("usr/lib/libx.so");
    expect((await bytesOf(viaLib!.stream())).length).toBe(5000);
    const link = await imageFile(store, "v1", "lib", { follow: false });
    expect(link).toMatchObject({ type: "symlink", linkTarget: "usr/lib" });
    await link!.stream().cancel();
    const hard = await imageFile(store, "v1", "hard/link");
    expect(new TextDecoder().decode(await bytesOf(hard!.stream()))).toBe("shared bytes");
    const hard2 = await imageFile(store, "v1", "etc/hard2"); // a link in the top layer to a file of the same layer
    expect(new TextDecoder().decode(await bytesOf(hard2!.stream()))).toBe("ID=top\n");
    const implicit = await imageFile(store, "v1", "new/implicit");
    expect(implicit).toMatchObject({ type: "directory" });
    expect(implicit?.layer).toBeUndefined(); // no layer names it: it exists because of what is inside
    expect(await imageFile(store, "v1", "/../../usr/./bin/tool2")).toMatchObject({ path: "usr/bin/tool2" });
  });

  it("imageFile: deleted, hidden and never-present paths are undefined", async () => {
    const store = await storeWith(image);
    for (const gone of [
      "etc/passwd",
      "var/old/x",
      "var/old",
      "opt/app/a",
      "data/gone",
      "srv2/d/inside",
      "nope",
      "usr/bin/tool/x",
    ]) {
      expect(await imageFile(store, "v1", gone), gone).toBeUndefined();
    }
  });
});

describe("imageFiles refuses layers that break the spec", () => {
  async function listOf(layers: Uint8Array[]) {
    const store = await storeWith(imageOf(layers));
    return codeOf(async () => {
      for await (const _ of imageFiles(store, "v1")) {
      }
    });
  }

  it("a path twice in one layer (image-spec layer.md: MUST NOT), unless both are directories", async () => {
    const dup = await bytesOf(
      tarStream([
        { path: "a", data: "1" },
        { path: "a", data: "2" },
      ]),
    );
    expect(await listOf([dup])).toBe("INVALID_ARGUMENT");
    const dirs = await bytesOf(
      tarStream([
        { path: "d", type: "directory" },
        { path: "d", type: "directory", mode: 0o700 },
      ]),
    );
    expect(await listOf([dirs])).toBe("none");
  });

  it("entries inside a file of the same layer, in either order", async () => {
    for (const order of [
      [
        { path: "a", data: "file" },
        { path: "a/b", data: "x" },
      ],
      [
        { path: "a/b", data: "x" },
        { path: "a", data: "file" },
      ],
    ]) {
      expect(await listOf([await bytesOf(tarStream(order))])).toBe("INVALID_ARGUMENT");
    }
  });

  it("imageFile: a symlink loop is INVALID_ARGUMENT (40 links at most, as Linux), not a hang", async () => {
    const loop = await bytesOf(
      tarStream([
        { path: "a", type: "symlink", linkTarget: "b" },
        { path: "b", type: "symlink", linkTarget: "/a" },
        { path: "c", type: "symlink", linkTarget: "a/x" },
      ]),
    );
    const store = await storeWith(imageOf([loop]));
    expect(await codeOf(() => imageFile(store, "v1", "a"))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(() => imageFile(store, "v1", "c"))).toBe("INVALID_ARGUMENT");
    expect(await imageFile(store, "v1", "a", { follow: false })).toMatchObject({ type: "symlink", linkTarget: "b" });
  });

  it("a whiteout that names nothing", async () => {
    expect(await listOf([await bytesOf(tarStream([{ path: "d/.wh.", data: "" }]))])).toBe("INVALID_ARGUMENT");
  });

  it("an index needs a platform unless it holds one image; the platform picks it", async () => {
    const index = multiArchIndex();
    const store = await storeWith(index);
    expect(await codeOf(async () => imageFiles(store, "v1").next())).toBe("INVALID_ARGUMENT");
    const paths: string[] = [];
    for await (const entry of imageFiles(store, "v1", { platform: "linux/arm64" })) paths.push(entry.path);
    expect(paths).toEqual(["arm64-v8-layer2.bin", "arm64-v8-layer1.bin"]);
    expect(await codeOf(async () => imageFiles(store, "v1", { platform: "linux/s390x" }).next())).toBe("NOT_FOUND");
    const single = jsonBlob(OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [index.images[0]!.root] });
    await storeWith({ root: single.descriptor, blobs: [...index.blobs, single] }, "one", store);
    expect((await imageFiles(store, "one").next()).value?.path).toBe("amd64-layer2.bin");
  });
});
