// layerFiles names entries the way runtimes apply layers: `./a/`, `/a` and `a` are one path; `..` is refused.
import { describe, expect, it } from "vitest";
import { layerFiles } from "../src/layer-files.js";
import { tarStream } from "../src/tar-writer.js";
import { bytesOf, codeOf, drainEntries, streamOf } from "./helpers.js";

async function layer(entries: Parameters<typeof tarStream>[0]) {
  return drainEntries(
    layerFiles(streamOf(await bytesOf(tarStream(entries))), "application/vnd.oci.image.layer.v1.tar"),
  );
}

describe("layerFiles", () => {
  it("cleans names (./, a leading /, doubled and trailing slashes), skips the root entry, cleans hard link targets", async () => {
    const entries = await layer([
      { path: "./", type: "directory" },
      { path: "./usr/bin/", type: "directory" },
      { path: "/etc//passwd", data: "root" },
      { path: "usr/./bin/tool", data: "x" },
      { path: "h", type: "link", linkTarget: "./usr/bin/tool" },
      { path: "s", type: "symlink", linkTarget: "../../anything/./kept" },
    ]);
    expect(entries.map((e) => [e.path, e.type, e.linkTarget])).toEqual([
      ["usr/bin", "directory", undefined],
      ["etc/passwd", "file", undefined],
      ["usr/bin/tool", "file", undefined],
      ["h", "link", "usr/bin/tool"],
      ["s", "symlink", "../../anything/./kept"], // a symlink's target is the layer's business, kept as it is
    ]);
  });

  it("refuses a .. component (no layer builder writes one) and a NUL in a name", async () => {
    expect(await codeOf(() => layer([{ path: "a/../../etc/passwd", data: "x" }]))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(() => layer([{ path: "h", type: "link", linkTarget: "../x" }]))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(() => layer([{ path: "a\u0000b", data: "x" }]))).toBe("INVALID_ARGUMENT");
  });
});
