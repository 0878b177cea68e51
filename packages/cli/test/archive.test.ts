// `toci export` and `toci import` with skopeo as the oracle: skopeo reads what toci exports (oci-archive: and
// docker-archive:), toci imports what skopeo writes (both), and digests match wherever the format keeps them (an OCI
// archive keeps every one; a docker archive keeps the config and the layers). An export interrupted while pulling
// leaves no archive and is resumed by the next run.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { multiArchIndex, ociImage } from "@toci/testkit/fixtures";
import { delay, startFaultProxy } from "@toci/testkit/proxy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushed } from "./content-fixtures.js";
import { BIN, exec, registries, tempDir, toci, tociBytes, tociJson } from "./helpers.js";

const { plain } = registries();
const sha256 = (text: string | Buffer) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
const NO_TLS = "--src-tls-verify=false";

/** The diff_ids of an image fixture's config: how a docker archive names layers (uncompressed). */
function diffIds(image: {
  config: { digest: string };
  blobs: { descriptor: { digest: string }; bytes?: Uint8Array }[];
}) {
  const config = image.blobs.find((b) => b.descriptor.digest === image.config.digest)!;
  return JSON.parse(Buffer.from(config.bytes!).toString()).rootfs.diff_ids as string[];
}

describe.concurrent("toci export, read by skopeo", () => {
  it("oci: a whole multi-arch index, every digest kept", async () => {
    const index = multiArchIndex({ seed: "cli-export-oci", layerSizes: [3000, 100] });
    const ref = await pushed(index, "cli/export");
    const file = path.join(tempDir(), "image.tar");
    const doc = await tociJson(["export", ref, "-o", file, "--store", path.join(tempDir(), "store")]);
    expect(doc).toMatchObject({ digest: index.root.digest, format: "oci", bytes: fs.statSync(file).size });
    expect(sha256(await exec("skopeo", ["inspect", "--raw", `oci-archive:${file}`]))).toBe(index.root.digest);
    const copy = path.join(tempDir(), "copy");
    await exec("skopeo", ["copy", "--all", `oci-archive:${file}`, `oci:${copy}:v1`]);
    expect(sha256(await exec("skopeo", ["inspect", "--raw", `oci:${copy}:v1`]))).toBe(index.root.digest);
  });

  it("docker: one platform, what docker-archive: reads (config and layers kept), also to stdout", async () => {
    const index = multiArchIndex({ seed: "cli-export-docker", layerSizes: [2000] });
    const arm = index.images[1]!;
    const ref = await pushed(index, "cli/export");
    const store = path.join(tempDir(), "store");
    const file = path.join(tempDir(), "image.tar");
    const args = ["export", ref, "--format", "docker", "--platform", "linux/arm64", "--store", store];
    expect((await toci([...args, "-o", file])).code).toBe(0);
    const raw = JSON.parse(await exec("skopeo", ["inspect", "--raw", `docker-archive:${file}`]));
    // The config is kept, so the image ID; skopeo names a docker archive's layers by their diff_ids.
    expect(raw.config.digest).toBe(arm.config.digest);
    expect(raw.layers.map((l: { digest: string }) => l.digest)).toEqual(diffIds({ ...arm, blobs: index.blobs }));
    const tags = JSON.parse(await exec("tar", ["-xOf", file, "manifest.json"]))[0].RepoTags;
    expect(tags).toEqual([ref]);
    // -o -: the same archive on stdout, the summary on stderr.
    const piped = await tociBytes([...args, "-o", "-"]);
    expect(piped.code).toBe(0);
    expect(piped.stdout.equals(fs.readFileSync(file))).toBe(true);
    expect(piped.stderr).toContain("exported");
  });

  it("refuses an index without --platform in the docker format, and -o - with --json", async () => {
    const ref = await pushed(multiArchIndex({ seed: "cli-export-refused", layerSizes: [10] }), "cli/export");
    const file = path.join(tempDir(), "x.tar");
    const index = await toci(["export", ref, "-o", file, "--format", "docker", "--store", path.join(tempDir(), "s")]);
    expect(index.code).toBe(1);
    expect(index.stderr).toMatch(/INVALID_ARGUMENT: .*choose a platform/);
    expect(fs.existsSync(file)).toBe(false);
    expect((await toci(["export", ref, "-o", "-", "--json"])).code).toBe(2);
  });
});

describe.concurrent("toci import of what skopeo writes", () => {
  it("oci-archive: every digest kept, then `toci push` sends the same image", async () => {
    const image = ociImage({ seed: "cli-import-oci", layerSizes: [5000] });
    const ref = await pushed(image, "cli/import");
    const file = path.join(tempDir(), "sk.tar");
    await exec("skopeo", ["copy", NO_TLS, `docker://${ref}`, `oci-archive:${file}:v7`]);
    const store = path.join(tempDir(), "store");
    const doc = await tociJson<{ roots: { name: string; digest: string }[] }>(["import", file, "--store", store]);
    expect(doc.roots).toMatchObject([{ name: "v7", digest: image.root.digest }]);
    const target = `${plain.host}/cli/import-pushed-${process.pid}:v7`;
    expect((await toci(["push", target, "--store", store])).code).toBe(0);
    expect((await toci(["resolve", target])).stdout.trim()).toBe(image.root.digest);
  });

  it("docker-archive: config and layers kept, named by --tag, from stdin too", async () => {
    const image = ociImage({ seed: "cli-import-docker", layerSizes: [4000, 50] });
    const ref = await pushed(image, "cli/import");
    const file = path.join(tempDir(), "sk.tar");
    await exec("skopeo", ["copy", NO_TLS, `docker://${ref}`, `docker-archive:${file}:example/app:v1`]);
    const store = path.join(tempDir(), "store");
    const name = `${plain.host}/cli/import-docker-${process.pid}:v2`;
    const child = spawn(process.execPath, [BIN, "import", "-", "--store", store, "--tag", name, "--json"], {
      stdio: [fs.openSync(file, "r"), "pipe", "pipe"],
      env: { ...process.env, DOCKER_CONFIG: tempDir() },
    });
    let stdout = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    expect(await new Promise((resolve) => child.on("close", resolve))).toBe(0);
    const [root] = JSON.parse(stdout).roots;
    expect(root.name).toBe(name);
    expect((await toci(["push", name, "--store", store])).code).toBe(0);
    const raw = JSON.parse(await exec("skopeo", ["inspect", "--raw", NO_TLS.replace("src-", ""), `docker://${name}`]));
    // skopeo's docker archive holds the layers uncompressed: pushed as they are, named by their diff_ids.
    expect(raw.config.digest).toBe(image.config.digest);
    expect(raw.layers.map((l: { digest: string }) => l.digest)).toEqual(diffIds(image));
  });

  it("refuses what is not an archive (exit 1) and a file that is not there (exit 2)", async () => {
    const junk = path.join(tempDir(), "junk.tar");
    fs.writeFileSync(junk, "not a tar at all");
    const store = path.join(tempDir(), "store");
    const bad = await toci(["import", junk, "--store", store]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error: INVALID_ARGUMENT:/);
    expect((await toci(["import", path.join(tempDir(), "missing.tar"), "--store", store])).code).toBe(2);
  });
});

describe("an interrupted export", () => {
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: plain.url });
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it("leaves no archive, and the next run resumes the pull without fetching again what it has", async () => {
    const image = ociImage({ seed: "cli-export-resume", layerSizes: [300_000, 200_000] });
    const ref = (await pushed(image, "cli/export-resume")).replace(plain.host, proxy.host);
    const [first, second] = image.layers;
    const stall = proxy.on({ method: "GET", path: `/blobs/${second!.digest}` }, delay(60_000));
    const store = path.join(tempDir(), "store");
    const file = path.join(tempDir(), "out.tar");
    const child = spawn(process.execPath, [BIN, "export", ref, "-o", file, "--store", store, "-j", "1"], {
      stdio: "ignore",
      env: { ...process.env, DOCKER_CONFIG: tempDir() },
    });
    const exited = new Promise((resolve) => child.on("close", resolve));
    const fetched = (digest: string) => proxy.requests.filter((r) => r.method === "GET" && r.path.includes(digest));
    while (!fetched(second!.digest).length || !fetched(first!.digest).every((r) => r.done)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill("SIGKILL");
    await exited;
    stall.remove();
    expect(fs.readdirSync(path.dirname(file))).toEqual([]);
    const rerun = await tociJson(["export", ref, "-o", file, "--store", store]);
    expect(rerun["digest"]).toBe(image.root.digest);
    expect(fetched(first!.digest)).toHaveLength(1);
    expect(sha256(await exec("skopeo", ["inspect", "--raw", `oci-archive:${file}`]))).toBe(image.root.digest);
  });
});
