// `toci files` and `toci cat` against umoci: an image with whiteouts, an opaque directory, replacements, symlinks and
// hard links (layers made by GNU tar) is pushed to distribution 2.8.2; `umoci unpack` of the same image gives a
// rootfs; `toci files` lists exactly its paths and `toci cat` returns its bytes for every regular file, read straight
// from the registry.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { gnuTar, imageOfLayers, multiArchIndex, type Tree, writeLayout } from "@toci/testkit/fixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { listTree, pushed } from "./content-fixtures.js";
import { tempDir, toci, tociBytes, tociJson } from "./helpers.js";

const lower: Tree = {
  "etc/hostname": "lower\n",
  "etc/shadow": "secret\n",
  "usr/share/doc/a.txt": "doc a\n",
  "usr/share/doc/b.txt": "doc b\n",
  "srv/www/index.html": "<p>old</p>\n",
  "srv/www/old.html": "old\n",
  "tmp/scratch/x": "x\n",
  "bin/sh": new Uint8Array(3000).map((_, i) => (i * 31) & 0xff),
  "bin/ash": { link: "bin/sh" },
  "usr/bin": { symlink: "../bin" },
  "var/file-then-dir": "a file below\n",
};

/** Whiteouts (a file, a directory), an opaque directory, a file replaced by a directory. */
const upper: Tree = {
  "etc/.wh.shadow": "",
  "tmp/.wh.scratch": "",
  "srv/www/.wh..wh..opq": "",
  "srv/www/new.html": "<p>new</p>\n",
  "etc/hostname": "upper\n",
  "var/file-then-dir/inside": "now a directory\n",
  "opt/added/deep/file": "deep\n",
};
const upperMembers = [
  "./etc/.wh.shadow",
  "./etc/hostname",
  "./tmp/.wh.scratch",
  "./srv/www",
  "./var/.wh.file-then-dir",
  "./var/file-then-dir",
  "./opt/added/deep/file",
];

describe("toci files and toci cat against umoci unpack", () => {
  const image = imageOfLayers(
    [gnuTar(lower), gnuTar({ ...upper, "var/.wh.file-then-dir": "" }, { members: upperMembers })],
    {
      gzip: true,
    },
  );
  let ref: string;
  let rootfs: string;

  beforeAll(async () => {
    ref = await pushed(image, "cli/files");
    const layout = tempDir();
    writeLayout(layout, image, "v1");
    const bundle = path.join(tempDir(), "bundle");
    execFileSync("umoci", ["unpack", "--rootless", "--image", `${layout}:v1`, bundle], { stdio: "pipe" });
    rootfs = path.join(bundle, "rootfs");
  }, 60_000);

  it("lists exactly the paths of umoci's rootfs, sorted", async () => {
    const result = await toci(["files", ref]);
    expect(result.code, result.stderr).toBe(0);
    const listed = result.stdout.trimEnd().split("\n");
    const expected = listTree(rootfs).map((p) => p.replace(/\/$/, ""));
    expect(listed).toEqual([...expected].sort());
    expect(listed).not.toContain("etc/shadow");
    expect(listed).not.toContain("srv/www/old.html");
    expect(listed).toContain("var/file-then-dir/inside");
  });

  it("cat returns umoci's bytes for every regular file (through symlinks and hard links too)", async () => {
    const files = listTree(rootfs).filter((p) => fs.lstatSync(path.join(rootfs, p)).isFile());
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      const result = await tociBytes(["cat", ref, `/${file}`]);
      expect(result.code, file).toBe(0);
      expect(result.stdout.equals(fs.readFileSync(path.join(rootfs, file))), file).toBe(true);
    }
    const viaSymlink = await tociBytes(["cat", ref, "/usr/bin/sh"]);
    expect(viaSymlink.stdout.equals(fs.readFileSync(path.join(rootfs, "bin/sh")))).toBe(true);
  }, 120_000);

  it("--long and --json say types, modes and link targets as umoci made them", async () => {
    const doc = await tociJson<{ files: { path: string; type: string; mode: number; linkTarget?: string }[] }>([
      "files",
      ref,
    ]);
    for (const entry of doc.files) {
      const stat = fs.lstatSync(path.join(rootfs, entry.path));
      const kind = stat.isSymbolicLink() ? "symlink" : stat.isDirectory() ? "directory" : "file";
      expect(entry.type === "link" ? "file" : entry.type, entry.path).toBe(kind);
      if (kind === "symlink") expect(entry.linkTarget).toBe(fs.readlinkSync(path.join(rootfs, entry.path)));
    }
    const long = (await toci(["files", ref, "--long"])).stdout;
    expect(long).toMatch(/^lrwxrwxrwx 0\/0 +0 1970-01-01 00:00 usr\/bin -> \.\.\/bin$/m);
    expect(long).toMatch(/^hrw-r--r-- 0\/0 +0 1970-01-01 00:00 bin\/sh link to bin\/ash$/m);
  });

  it("cat fails clearly: a path that is not there, a directory", async () => {
    const missing = await toci(["cat", ref, "/etc/shadow"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error: NOT_FOUND:");
    const directory = await toci(["cat", ref, "/etc"]);
    expect(directory.code).toBe(1);
    expect(directory.stderr).toContain("error: INVALID_ARGUMENT: /etc is a directory");
    const json = await toci(["cat", ref, "/etc/hostname", "--json"]);
    expect(Buffer.from(JSON.parse(json.stdout).base64, "base64").toString()).toBe("upper\n");
  });
});

describe("an index", () => {
  it("needs --platform when it holds several images, and lists that platform's files with it", async () => {
    const index = multiArchIndex({ seed: "cli-files-index", layerSizes: [10, 20] });
    const ref = await pushed(index, "cli/files-index");
    const without = await toci(["files", ref]);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/INVALID_ARGUMENT: .*choose a platform/);
    const arm = await toci(["files", ref, "--platform", "linux/arm64"]);
    expect(arm.stdout.trim().split("\n")).toEqual(["arm64-v8-layer1.bin", "arm64-v8-layer2.bin"]);
  });
});
