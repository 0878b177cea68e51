// The oras directory format, built to oras-go's content/file store: a directory pushed as tar+gzip with entries
// under its name, annotated with the title, io.deis.oras.content.unpack "true" and io.deis.oras.content.digest (the
// uncompressed tar's digest). What oras pushes, toci unpacks; what toci packs, GNU tar (as oras) extracts.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { ANNOTATION_TITLE, type Descriptor, OCI_LAYER_GZIP } from "@toci/spec-types";
import { sha256 } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import {
  ANNOTATION_ORAS_DIGEST,
  ANNOTATION_ORAS_UNPACK,
  isOrasDirectory,
  packDirectory,
  unpackDirectory,
} from "../src/oras-directory.js";
import { tarStream } from "../src/tar-writer.js";
import { bytesOf, codeOf, drainEntries, gnuTar, streamOf, type Tree, tempDir, writeTree } from "./helpers.js";

const tree: Tree = {
  "config/app.yaml": "name: app\n",
  "config/empty": "",
  "bin/run": "#!/bin/sh\n",
  "bin/current": { symlink: "run" },
  "docs/guide/index.md": "# guide\n",
};

/** An oras directory layer as oras-go's file store makes one: `tar` of the directory under its name, gzipped. */
function orasLayer(name: string, tar: Uint8Array): { bytes: Uint8Array; descriptor: Descriptor } {
  const bytes = gzipSync(tar);
  return {
    bytes,
    descriptor: {
      mediaType: OCI_LAYER_GZIP,
      digest: sha256(bytes),
      size: bytes.length,
      annotations: {
        [ANNOTATION_TITLE]: name,
        [ANNOTATION_ORAS_DIGEST]: sha256(tar),
        [ANNOTATION_ORAS_UNPACK]: "true",
      },
    },
  };
}

describe("unpackDirectory reads oras directories", () => {
  const prefixed = Object.fromEntries(Object.entries(tree).map(([k, v]) => [`site/${k}`, v]));
  const layer = orasLayer("site", gnuTar(prefixed, { members: ["site"] }));

  it("entries relative to the directory, checked for writing, the content digest verified at the end", async () => {
    expect(isOrasDirectory(layer.descriptor)).toBe(true);
    const entries = await drainEntries(unpackDirectory(streamOf(layer.bytes, 300), layer.descriptor));
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect([...byPath.keys()].sort()).toEqual([
      "bin",
      "bin/current",
      "bin/run",
      "config",
      "config/app.yaml",
      "config/empty",
      "docs",
      "docs/guide",
      "docs/guide/index.md",
    ]);
    expect(new TextDecoder().decode(byPath.get("config/app.yaml")!.content)).toBe("name: app\n");
    expect(byPath.get("bin/current")).toMatchObject({ type: "symlink", linkTarget: "run" });
  });

  it("a wrong io.deis.oras.content.digest fails with DIGEST_MISMATCH once every entry went by", async () => {
    const wrong = {
      ...layer.descriptor,
      annotations: { ...layer.descriptor.annotations, [ANNOTATION_ORAS_DIGEST]: sha256(new Uint8Array(1)) },
    };
    let seen = 0;
    const error = await (async () => {
      for await (const entry of unpackDirectory(streamOf(layer.bytes), wrong)) {
        seen++;
        await bytesOf(entry.stream());
      }
    })().catch((e) => e);
    expect(error).toMatchObject({ code: "DIGEST_MISMATCH" });
    expect(seen).toBe(9);
  });

  it("refuses what oras refuses: entries outside the directory, escaping links, no title", async () => {
    const outside = orasLayer("site", gnuTar({ "site/a": "1", "other/b": "2" }, { members: ["site", "other"] }));
    expect(await codeOf(() => drainEntries(unpackDirectory(streamOf(outside.bytes), outside.descriptor)))).toBe(
      "INVALID_ARGUMENT",
    );
    const escaping = orasLayer("site", gnuTar({ "site/l": { symlink: "../../etc/passwd" } }, { members: ["site"] }));
    expect(await codeOf(() => drainEntries(unpackDirectory(streamOf(escaping.bytes), escaping.descriptor)))).toBe(
      "INVALID_ARGUMENT",
    );
    const absolute = orasLayer("site", gnuTar({ "site/l": { symlink: "/etc/passwd" } }, { members: ["site"] }));
    expect(await codeOf(() => drainEntries(unpackDirectory(streamOf(absolute.bytes), absolute.descriptor)))).toBe(
      "INVALID_ARGUMENT",
    );
    const dotdot = orasLayer("site", await bytesOf(tarStream([{ path: "site/../x", data: "x" }])));
    expect(await codeOf(() => drainEntries(unpackDirectory(streamOf(dotdot.bytes), dotdot.descriptor)))).toBe(
      "INVALID_ARGUMENT",
    );
    const { [ANNOTATION_TITLE]: _, ...untitled } = layer.descriptor.annotations!;
    const noTitle = { ...layer.descriptor, annotations: untitled };
    expect(await codeOf(() => drainEntries(unpackDirectory(streamOf(layer.bytes), noTitle)))).toBe("INVALID_ARGUMENT");
  });
});

describe("packDirectory writes what oras unpacks", () => {
  const entries = () => [
    { path: "config", type: "directory" as const },
    { path: "config/app.yaml", data: "name: app\n", mode: 0o600 },
    { path: "bin/run", data: new TextEncoder().encode("#!/bin/sh\n"), mode: 0o755 },
    { path: "bin/current", type: "symlink" as const, linkTarget: "run" },
    { path: "big.bin", data: new Blob([new Uint8Array(300_000).fill(7)]) },
    { path: `deep/${"n".repeat(120)}/${"m".repeat(150)}.txt`, data: "long name" },
  ];

  it("the descriptor carries oras's annotations and the digests of both the gzip and the tar", async () => {
    const packed = packDirectory(entries(), { name: "site" });
    const bytes = await bytesOf(packed.stream);
    const descriptor = await packed.descriptor;
    expect(descriptor).toEqual({
      mediaType: OCI_LAYER_GZIP,
      digest: sha256(bytes),
      size: bytes.length,
      annotations: {
        [ANNOTATION_TITLE]: "site",
        [ANNOTATION_ORAS_DIGEST]: sha256(gunzipSync(bytes)),
        [ANNOTATION_ORAS_UNPACK]: "true",
      },
    });
    const again = packDirectory(entries(), { name: "site" });
    await bytesOf(again.stream);
    expect((await again.descriptor).annotations?.[ANNOTATION_ORAS_DIGEST]).toBe(
      descriptor.annotations?.[ANNOTATION_ORAS_DIGEST],
    );
  });

  it("GNU tar extracts it as the directory, under its name, with modes and links", async () => {
    const packed = packDirectory(entries(), { name: "site" });
    const dir = tempDir();
    execFileSync("tar", ["-xzf", "-", "-C", dir], { input: await bytesOf(packed.stream) });
    expect(fs.readFileSync(path.join(dir, "site/config/app.yaml"), "utf8")).toBe("name: app\n");
    expect(fs.statSync(path.join(dir, "site/config/app.yaml")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, "site/bin/run")).mode & 0o777).toBe(0o755);
    expect(fs.readlinkSync(path.join(dir, "site/bin/current"))).toBe("run");
    expect(fs.statSync(path.join(dir, "site/big.bin")).size).toBe(300_000);
    expect(fs.readFileSync(path.join(dir, "site/deep", "n".repeat(120), `${"m".repeat(150)}.txt`), "utf8")).toBe(
      "long name",
    );
  });

  it("round trip: unpackDirectory gives back the entries (the digest annotation checked)", async () => {
    const packed = packDirectory(entries(), { name: "site" });
    const bytes = await bytesOf(packed.stream);
    const out = await drainEntries(unpackDirectory(streamOf(bytes), await packed.descriptor));
    // every parent gets its own entry first (oras-go's extraction creates none)
    expect(out.map((e) => e.path)).toEqual([
      "config",
      "config/app.yaml",
      "bin",
      "bin/run",
      "bin/current",
      "big.bin",
      "deep",
      `deep/${"n".repeat(120)}`,
      `deep/${"n".repeat(120)}/${"m".repeat(150)}.txt`,
    ]);
    expect(Buffer.from(out[5]!.content).equals(Buffer.alloc(300_000, 7))).toBe(true); // (toEqual on 300 000 elements is slow)
  });

  it("refuses, with INVALID_ARGUMENT, what oras pull would refuse", async () => {
    const bad = [
      { path: "../up", data: "x" },
      { path: "/abs", data: "x" },
      { path: "l", type: "symlink" as const, linkTarget: "/etc/passwd" },
      { path: "l", type: "symlink" as const, linkTarget: "../../x" },
    ];
    for (const entry of bad) {
      const packed = packDirectory([entry], { name: "site" });
      expect(await codeOf(() => bytesOf(packed.stream))).toBe("INVALID_ARGUMENT");
      expect(await codeOf(() => packed.descriptor)).toBe("INVALID_ARGUMENT");
    }
    expect(() => packDirectory([], { name: "../site" })).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    // a hard link, even to an earlier file: oras writes none, and its extraction would link relative to its cwd
    const linked = packDirectory(
      [
        { path: "x", data: "1" },
        { path: "h", type: "link", linkTarget: "x" },
      ],
      { name: "site" },
    );
    expect(await codeOf(() => bytesOf(linked.stream))).toBe("INVALID_ARGUMENT");
  });
});

describe("tarStream (the writer) against GNU tar", () => {
  it("GNU tar lists and extracts what it writes: PAX long names and link targets, non-ASCII, big ids", async () => {
    const longName = `${"p".repeat(200)}/${"q".repeat(200)}`;
    const bytes = await bytesOf(
      tarStream([
        { path: longName, data: "long" },
        { path: "ünï/日本.txt", data: "utf8" },
        { path: "ids", data: "x", uid: 3_000_000, gid: 4_000_000, mtime: 1_700_000_000 },
        { path: "s", type: "symlink", linkTarget: `${"t".repeat(150)}/target` },
        { path: "h", type: "link", linkTarget: "ids" },
      ]),
    );
    const listing = execFileSync("tar", ["-tvf", "-", "--numeric-owner"], { input: bytes, encoding: "utf8" });
    expect(listing).toContain(longName);
    expect(listing).toContain("ünï/日本.txt");
    expect(listing).toMatch(/3000000\/4000000 .* 2023-11-14/);
    expect(listing).toContain(`s -> ${"t".repeat(150)}/target`);
    const dir = tempDir();
    writeTree(dir, {});
    execFileSync("tar", ["-xf", "-", "-C", dir], { input: bytes });
    expect(fs.readFileSync(path.join(dir, longName), "utf8")).toBe("long");
    expect(fs.statSync(path.join(dir, "h")).ino).toBe(fs.statSync(path.join(dir, "ids")).ino);
  });

  it("a stream that delivers more or fewer bytes than its size errors with SIZE_MISMATCH", async () => {
    for (const size of [3, 10]) {
      const stream = tarStream([{ path: "f", size, data: streamOf(new TextEncoder().encode("12345")) }]);
      expect(await codeOf(() => bytesOf(stream))).toBe("SIZE_MISMATCH");
    }
    expect(await codeOf(() => bytesOf(tarStream([{ path: "f", data: streamOf(new Uint8Array(1)) }])))).toBe(
      "INVALID_ARGUMENT",
    );
  });
});
