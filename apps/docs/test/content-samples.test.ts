// Runs the content samples (artifacts, the files of an image, archives), compiled by the build to dist/samples/, as a
// user would, against a real distribution 2.8.2 registry holding an image of two GNU tar layers (a whiteout in the
// second) and, once the artifact sample has run, the artifact it pushed.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gnuTar, imageOfLayers, pushFixture } from "@toci/testkit/fixtures";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const samples = fileURLToPath(new URL("../dist/samples/", import.meta.url));

let registry: RunningRegistry;
let image: ReturnType<typeof imageOfLayers>;

beforeAll(async () => {
  if (!existsSync(samples)) throw new Error("dist/samples is missing: run the build first (npm run build)");
  image = imageOfLayers(
    [
      gnuTar({ "etc/hostname": "lower\n", "etc/secret": "gone\n", "bin/tool": "#!/bin/sh\n" }),
      gnuTar({ "etc/hostname": "upper\n", "etc/.wh.secret": "", "etc/name": { symlink: "hostname" } }),
    ],
    { gzip: true },
  );
  registry = await startRegistry({ auth: "none" });
  await pushFixture(image, { url: registry.url, repo: "samples/rootfs", tag: "v1" });
});

afterAll(async () => {
  await registry?.stop();
});

async function sample(name: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await run(process.execPath, [`${samples}${name}.js`], {
    env: { ...process.env, REGISTRY: registry.host, ...env },
    timeout: 30_000,
  });
  return stdout;
}

describe("content samples", () => {
  it("artifact: pushes two files as an artifact, pulls it, lists its files and reads one", async () => {
    const out = await sample("artifact", { REPO: "samples/model" });
    const digest = /pushed samples\/model:v1 as (sha256:[0-9a-f]{64})/.exec(out)?.[1];
    expect(digest).toBeDefined();
    expect(out).toContain("weights.bin 1024 bytes application/octet-stream");
    expect(out).toContain("README.md 15 bytes text/markdown");
    expect(out).toContain('README.md says "# a tiny model\\n"');
  });

  it("image-files: lists the merged filesystem (the whiteout applied) and prints a file through a symlink", async () => {
    const out = await sample("image-files", { REPO: "samples/rootfs", TAG: "v1", FILE: "/etc/name" });
    const paths = out
      .split("\n")
      .filter((line) => /^(file|directory|symlink) /.test(line))
      .map((line) => line.split(/\s+/)[1]);
    expect(paths.sort()).toEqual(["bin", "bin/tool", "etc", "etc/hostname", "etc/name"]);
    expect(out).toContain('/etc/name (6 bytes): "upper\\n"');
  });

  it("archive: exports the image as a docker archive and imports it back, the same digest and name", async () => {
    const out = await sample("archive", { REPO: "samples/rootfs", TAG: "v1", FORMAT: "docker" });
    expect(out).toMatch(/wrote docker archive .*image\.tar/);
    expect(out).toContain(`imported ${image.root.digest}`);
    expect(out).toContain(`the store names it ${registry.host}/samples/rootfs:v1`);
  });
});
