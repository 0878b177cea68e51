// `toci artifact push` and `toci artifact pull` against distribution 2.8.2: what push writes checked field by field
// against the oras documentation (and the directory layer against GNU tar), oras-format fixtures (file artifacts,
// directory artifacts made by GNU tar, oras 1.0 artifacts with a config type and no artifactType) pulled, and a
// round trip of a directory tree.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { EMPTY_DESCRIPTOR, OCI_MANIFEST } from "@toci/spec-types";
import { gnuTar, sha256, writeTree } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import {
  CONTENT_DIGEST,
  listTree,
  orasDirectory,
  orasFile,
  orasManifest,
  pushed,
  TITLE,
  UNPACK,
} from "./content-fixtures.js";
import { registries, tempDir, toci, tociJson } from "./helpers.js";

const { plain } = registries();
let counter = 0;
const repo = (name: string) => `${plain.host}/cli/artifact-${name}-${process.pid}-${counter++}`;

/** A working directory with a file and a directory tree (a subdirectory, a symlink, an executable). */
function workdir(): string {
  const dir = tempDir();
  writeTree(dir, {
    "model.bin": new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff),
    "notes.md": "# notes\n",
    "docs/readme.md": "read me\n",
    "docs/sub/deep.txt": "deep\n",
    "docs/run.sh": "#!/bin/sh\necho run\n",
    "docs/latest": { symlink: "readme.md" },
  });
  fs.chmodSync(path.join(dir, "docs/run.sh"), 0o755);
  return dir;
}

describe.concurrent("toci artifact push", () => {
  it("writes what the oras documentation describes, field by field", async () => {
    const cwd = workdir();
    const ref = `${repo("push")}:v1`;
    const pushedDoc = await tociJson(
      [
        "artifact",
        "push",
        ref,
        "model.bin",
        "notes.md:text/markdown",
        "docs/",
        "--artifact-type",
        "application/vnd.example.model.v1",
        "--annotation",
        "com.example.k=v",
      ],
      { cwd },
    );
    expect(pushedDoc).toMatchObject({
      reference: ref,
      mediaType: OCI_MANIFEST,
      artifactType: "application/vnd.example.model.v1",
    });
    const raw = await toci(["manifest", ref]);
    expect(raw.code).toBe(0);
    expect(`sha256:${createHash("sha256").update(raw.stdout).digest("hex")}`).toBe(pushedDoc["digest"]);
    const manifest = JSON.parse(raw.stdout);
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.mediaType).toBe(OCI_MANIFEST);
    expect(manifest.artifactType).toBe("application/vnd.example.model.v1");
    // The empty config, its data inline, as oras 1.1+ writes it.
    expect(manifest.config).toEqual({
      mediaType: "application/vnd.oci.empty.v1+json",
      digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
      size: 2,
      data: "e30=",
    });
    expect(manifest.config).toEqual({ ...EMPTY_DESCRIPTOR });
    const model = fs.readFileSync(path.join(cwd, "model.bin"));
    expect(manifest.layers[0]).toEqual({
      mediaType: "application/octet-stream",
      digest: sha256(model),
      size: model.length,
      annotations: { [TITLE]: "model.bin" },
    });
    expect(manifest.layers[1]).toMatchObject({
      mediaType: "text/markdown",
      size: 8,
      annotations: { [TITLE]: "notes.md" },
    });
    const dir = manifest.layers[2];
    expect(dir.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    expect(Object.keys(dir.annotations).sort()).toEqual([CONTENT_DIGEST, UNPACK, TITLE].sort());
    expect(dir.annotations[TITLE]).toBe("docs");
    expect(dir.annotations[UNPACK]).toBe("true");
    expect(manifest.annotations["com.example.k"]).toBe("v");
    expect(manifest.annotations["org.opencontainers.image.created"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // The directory layer: its gunzipped tar hashes to io.deis.oras.content.digest; GNU tar reads it, every entry
    // under docs/, and extracts the same tree.
    const out = path.join(tempDir(), "layer.tar.gz");
    expect((await toci(["blob", ref.replace(/:v1$/, `@${dir.digest}`), "-o", out])).code).toBe(0);
    const tar = gunzipSync(fs.readFileSync(out));
    expect(sha256(tar)).toBe(dir.annotations[CONTENT_DIGEST]);
    const names = execFileSync("tar", ["-tzf", out], { encoding: "utf8" }).trim().split("\n");
    expect(names.every((n) => n === "docs/" || n.startsWith("docs/"))).toBe(true);
    const extracted = tempDir();
    execFileSync("tar", ["-xzf", out, "-C", extracted]);
    expect(listTree(extracted)).toEqual(listTree(cwd).filter((p) => p.startsWith("docs/")));
    expect(fs.readlinkSync(path.join(extracted, "docs/latest"))).toBe("readme.md");
    expect(fs.statSync(path.join(extracted, "docs/run.sh")).mode & 0o777).toBe(0o755);
  });

  it("without a tag pushes by digest; --subject makes a referrer that `toci referrers` lists", async () => {
    const cwd = workdir();
    const name = repo("subject");
    const subject = await tociJson(
      ["artifact", "push", `${name}:image`, "notes.md", "--artifact-type", "application/vnd.example.image"],
      { cwd },
    );
    const referrer = await tociJson(
      [
        "artifact",
        "push",
        name,
        "notes.md",
        "--artifact-type",
        "application/vnd.example.sbom",
        "--subject",
        `${name}:image`,
      ],
      { cwd },
    );
    expect(referrer["reference"]).toBe(`${name}@${referrer["digest"]}`);
    expect(referrer["subject"]).toMatchObject({ digest: subject["digest"] });
    const listed = await toci(["referrers", `${name}:image`]);
    expect(listed.stdout).toContain(`${referrer["digest"]} application/vnd.example.sbom`);
    // No "latest" made by the referrer: the image's tag, and the referrers fallback tag.
    expect((await toci(["tags", name])).stdout.trim().split("\n").sort()).toEqual([
      "image",
      `sha256-${(subject["digest"] as string).slice(7)}`,
    ]);
  });

  it("refuses absolute paths and paths out of the directory (exit 2), and a subject in another repository", async () => {
    const cwd = workdir();
    const type = ["--artifact-type", "application/vnd.example"];
    for (const bad of [path.join(cwd, "notes.md"), "../x", "."]) {
      const result = await toci(["artifact", "push", `${repo("bad")}:v1`, bad, ...type], { cwd });
      expect(result.code, bad).toBe(2);
    }
    const other = await toci(
      ["artifact", "push", `${repo("bad")}:v1`, "notes.md", ...type, "--subject", `${repo("elsewhere")}:v1`],
      { cwd },
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("--subject must be in");
  });
});

describe.concurrent("toci artifact pull of oras-format artifacts", () => {
  it("a file artifact: files by title, untitled layers skipped with a note", async () => {
    const ref = await pushed(
      orasManifest(
        [orasFile("hello.txt", "hello\n"), orasFile("sub/dir/deep.txt", "deep\n"), orasFile(undefined, "no title")],
        {
          artifactType: "application/vnd.example",
        },
      ),
    );
    const out = tempDir();
    const result = await toci(["artifact", "pull", ref, "-o", out, "--json"]);
    expect(result.code).toBe(0);
    expect(listTree(out)).toEqual(["hello.txt", "sub/", "sub/dir/", "sub/dir/deep.txt"]);
    expect(fs.readFileSync(path.join(out, "sub/dir/deep.txt"), "utf8")).toBe("deep\n");
    const doc = JSON.parse(result.stdout);
    expect(doc.files.map((f: { name: string }) => f.name)).toEqual(["hello.txt", "sub/dir/deep.txt"]);
    expect(doc.skipped).toHaveLength(1);
  });

  it("a directory artifact made by GNU tar (as oras packs one): unpacked, digest checked", async () => {
    const tree = {
      "site/index.html": "<h1>hi</h1>\n",
      "site/css/a.css": "a{}\n",
      "site/link": { symlink: "index.html" },
    };
    const tar = gnuTar(tree, { members: ["site"] });
    const ref = await pushed(orasManifest([orasDirectory("site", tar)], { artifactType: "application/vnd.example" }));
    const out = tempDir();
    expect((await toci(["artifact", "pull", ref, "-o", out])).code).toBe(0);
    const source = tempDir();
    writeTree(source, tree);
    expect(listTree(out)).toEqual(listTree(source));
    expect(fs.readlinkSync(path.join(out, "site/link"))).toBe("index.html");
    expect(fs.readFileSync(path.join(out, "site/css/a.css"), "utf8")).toBe("a{}\n");
  });

  it("an oras 1.0 artifact: a config of its own type and no artifactType", async () => {
    const ref = await pushed(
      orasManifest([orasFile("chart.tgz", "chart bytes")], { configType: "application/vnd.cncf.helm.config.v1+json" }),
    );
    const out = tempDir();
    const result = await toci(["artifact", "pull", ref, "-o", out]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe("chart.tgz");
    expect(fs.readFileSync(path.join(out, "chart.tgz"), "utf8")).toBe("chart bytes");
  });

  it("round trip: what toci pushes, toci pulls back the same (tree, bytes, modes, symlinks)", async () => {
    const cwd = workdir();
    const ref = `${repo("roundtrip")}:v1`;
    expect(
      (
        await toci(["artifact", "push", ref, "model.bin", "docs", "--artifact-type", "application/vnd.example"], {
          cwd,
        })
      ).code,
    ).toBe(0);
    const out = tempDir();
    expect((await toci(["artifact", "pull", ref, "-o", out])).code).toBe(0);
    expect(listTree(out)).toEqual(listTree(cwd).filter((p) => p !== "notes.md"));
    expect(fs.readFileSync(path.join(out, "model.bin")).equals(fs.readFileSync(path.join(cwd, "model.bin")))).toBe(
      true,
    );
    expect(fs.statSync(path.join(out, "docs/run.sh")).mode & 0o777).toBe(0o755);
    expect(fs.readlinkSync(path.join(out, "docs/latest"))).toBe("readme.md");
    // Pulled again: the files exist, so nothing is replaced without --overwrite; with it, all is.
    fs.writeFileSync(path.join(out, "model.bin"), "mine");
    const again = await toci(["artifact", "pull", ref, "-o", out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("--overwrite");
    expect(fs.readFileSync(path.join(out, "model.bin"), "utf8")).toBe("mine");
    expect((await toci(["artifact", "pull", ref, "-o", out, "--overwrite"])).code).toBe(0);
    expect(fs.readFileSync(path.join(out, "model.bin")).equals(fs.readFileSync(path.join(cwd, "model.bin")))).toBe(
      true,
    );
    expect(fs.readdirSync(out).filter((n) => n.startsWith(".toci-"))).toEqual([]);
  });
});
