// Every command against a plain registry, as a user runs them: a layout pushed, tags, resolve, manifest, blob,
// pull with and without a platform, the layout commands, copy, attach + referrers, delete, catalog, ping; the
// pipe output (one line per result) and --json (parsed) for each.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { multiArchIndex, writeLayout } from "@toci/testkit/fixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { registries, tempDir, toci, tociJson } from "./helpers.js";

const { plain } = registries();
const repo = `${plain.host}/cli/commands`;
const fixture = multiArchIndex({ seed: "cli-commands", layerSizes: [40_000, 120_000] });
let layout: string;

interface Descriptor {
  digest: string;
  mediaType: string;
  size: number;
}

beforeAll(async () => {
  layout = tempDir();
  writeLayout(layout, fixture, "v1");
  const pushed = await toci(["push", `${repo}:v1`, "--store", layout]);
  expect(pushed.stderr).toBe("");
  expect(pushed.code).toBe(0);
  // Piped: one line per result.
  expect(pushed.stdout).toMatch(new RegExp(`^pushed ${repo}:v1 ${fixture.root.digest} \\d+ bytes .+\\n$`));
});

// Concurrent: each test spawns processes that mostly wait on the registry, and each uses its own repositories.
describe.concurrent("toci against a plain registry", () => {
  it("lists tags, one per line and as JSON", async () => {
    // (Other tests add v2, and attach's referrers fallback tag sha256-<hex>.)
    const { code, stdout } = await toci(["tags", repo]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^v1$/m);
    expect(stdout.endsWith("\n")).toBe(true);
    const doc = await tociJson<{ repository: string; tags: string[] }>(["tags", repo]);
    expect(doc.repository).toBe(repo);
    expect(doc.tags).toContain("v1");
  });

  it("resolves a tag, and a platform of an index", async () => {
    const { stdout } = await toci(["resolve", `${repo}:v1`]);
    expect(stdout.trim()).toBe(fixture.root.digest);
    const arm = await tociJson<Descriptor & { platform: { architecture: string } }>([
      "resolve",
      `${repo}:v1`,
      "--platform",
      "linux/arm64",
    ]);
    expect(arm.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(arm.platform.architecture).toBe("arm64");
    expect(arm.digest).not.toBe(fixture.root.digest);
    const none = await toci(["resolve", `${repo}:v1`, "--platform", "linux/s390x"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("hint: available platforms: linux/amd64, linux/arm64");
  });

  it("prints a manifest's exact bytes, and parses it with --json", async () => {
    const { code, stdout } = await toci(["manifest", `${repo}:v1`]);
    expect(code).toBe(0);
    expect(`sha256:${createHash("sha256").update(stdout).digest("hex")}`).toBe(fixture.root.digest);
    const doc = await tociJson<{ descriptor: Descriptor; manifest: { manifests: unknown[] } }>([
      "manifest",
      `${repo}:v1`,
    ]);
    expect(doc.descriptor.digest).toBe(fixture.root.digest);
    expect(doc.manifest.manifests).toHaveLength(2);
  });

  it("fetches a blob by digest to a file and to stdout", async () => {
    const layer = fixture.images[0]!.layers[0]!;
    const dir = tempDir();
    const out = join(dir, "layer.tgz");
    const doc = await tociJson<Descriptor & { output: string }>(["blob", `${repo}@${layer.digest}`, "-o", out]);
    expect(doc).toMatchObject({ digest: layer.digest, size: layer.size, output: out });
    expect(`sha256:${createHash("sha256").update(readFileSync(out)).digest("hex")}`).toBe(layer.digest);
    const config = fixture.images[0]!.config;
    const { stdout } = await toci(["blob", `${repo}@${config.digest}`]);
    expect(`sha256:${createHash("sha256").update(stdout).digest("hex")}`).toBe(config.digest);
  });

  it("pulls one platform into a layout: the tag names that manifest; layout ls shows it", async () => {
    const store = join(tempDir(), "store");
    const doc = await tociJson<Descriptor & { platform: string; bytes: number; store: string }>([
      "pull",
      `${repo}:v1`,
      "--platform",
      "linux/arm64",
      "--store",
      store,
    ]);
    expect(doc.platform).toBe("linux/arm64");
    expect(doc.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(doc.store).toBe(store);
    const arm = {
      root: { digest: (await toci(["resolve", `${repo}:v1`, "--platform", "linux/arm64"])).stdout.trim() },
    };
    expect(doc.digest).toBe(arm.root.digest);
    const ls = await tociJson<{ roots: Array<{ name: string; tag: string; digest: string; platform: string }> }>([
      "layout",
      "ls",
      "--store",
      store,
    ]);
    expect(ls.roots).toEqual([expect.objectContaining({ name: `${repo}:v1`, tag: "v1", digest: arm.root.digest })]);
    const index = JSON.parse(readFileSync(join(store, "index.json"), "utf8"));
    expect(index.manifests[0].annotations["org.opencontainers.image.ref.name"]).toBe("v1");
  });

  it("pulls everything without --platform, into ./toci-store by default", async () => {
    const cwd = tempDir();
    const { code, stdout } = await toci(["pull", `${repo}:v1`], { cwd });
    expect(code).toBe(0);
    expect(stdout).toContain(`pulled ${repo}:v1 into ./toci-store ${fixture.root.digest}`);
    expect(existsSync(join(cwd, "toci-store", "oci-layout"))).toBe(true);
    for (const blob of fixture.blobs) {
      const [, hex] = blob.descriptor.digest.split(":");
      expect(statSync(join(cwd, "toci-store", "blobs", "sha256", hex!)).size).toBe(blob.descriptor.size);
    }
    const ls = await toci(["layout", "ls"], { cwd });
    expect(ls.stdout).toMatch(new RegExp(`^${repo}:v1\\s+${fixture.root.digest}\\s+application/vnd.oci.image.index`));
    // A second pull finds everything present.
    expect((await toci(["pull", `${repo}:v1`], { cwd })).code).toBe(0);
    // rm names, gc collects.
    const rm = await tociJson<{ removed: string[]; collected: string[] }>(["layout", "rm", `${repo}:v1`], { cwd });
    expect(rm.removed).toEqual([`${repo}:v1`]);
    expect(rm.collected.length).toBe(fixture.blobs.length);
    expect((await tociJson<{ roots: unknown[] }>(["layout", "ls"], { cwd })).roots).toEqual([]);
    expect(await tociJson(["layout", "gc"], { cwd })).toMatchObject({ removed: [] });
    const missing = await toci(["layout", "rm", "nope"], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error: NOT_FOUND");
  });

  it("pushes a layout root under another tag with --from, and refuses a missing layout", async () => {
    expect((await toci(["push", `${repo}:v2`, "--store", layout, "--from", "v1"])).code).toBe(0);
    expect((await toci(["tags", repo])).stdout.split("\n")).toEqual(expect.arrayContaining(["v1", "v2"]));
    const none = await toci(["push", `${repo}:v3`, "--store", join(tempDir(), "nothing")]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error: NOT_FOUND: no OCI layout at/);
    const noRoot = await toci(["push", `${repo}:v3`, "--store", layout]);
    expect(noRoot.code).toBe(1);
    expect(noRoot.stderr).toContain('nothing named "v3"');
  });

  it("copies a repository, and one platform of it", async () => {
    const all = await tociJson<Descriptor & { reference: string }>(["copy", `${repo}:v1`, `${plain.host}/cli/copy`]);
    expect(all).toMatchObject({ digest: fixture.root.digest, reference: `${plain.host}/cli/copy:v1` });
    const one = await tociJson<Descriptor>([
      "copy",
      `${repo}:v1`,
      `${plain.host}/cli/copy-arm:one`,
      "--platform",
      "linux/arm64",
    ]);
    expect(one.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect((await toci(["resolve", `${plain.host}/cli/copy-arm:one`])).stdout.trim()).toBe(one.digest);
  });

  it("attaches an artifact and lists it as a referrer, filtered by artifact type", async () => {
    const repo = `${plain.host}/cli/attach`;
    expect((await toci(["copy", `${plain.host}/cli/commands:v1`, `${repo}:v1`])).code).toBe(0);
    const dir = tempDir();
    const file = join(dir, "sbom.json");
    writeFileSync(file, JSON.stringify({ spdxVersion: "SPDX-2.3" }));
    const attached = await toci([
      "attach",
      `${repo}:v1`,
      "--artifact-type",
      "application/spdx+json",
      "--annotation",
      "org.example=yes",
      file,
    ]);
    expect(attached.code).toBe(0);
    const digest = attached.stdout.trim();
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const { stdout } = await toci(["referrers", `${repo}:v1`]);
    expect(stdout).toBe(`${digest} application/spdx+json\n`);
    const filtered = await tociJson<{ referrers: Descriptor[] }>([
      "referrers",
      `${repo}:v1`,
      "--artifact-type",
      "application/x-other",
    ]);
    expect(filtered.referrers).toEqual([]);
    const manifest = JSON.parse((await toci(["manifest", `${repo}@${digest}`])).stdout);
    expect(manifest).toMatchObject({
      artifactType: "application/spdx+json",
      subject: { digest: fixture.root.digest },
      annotations: { "org.example": "yes" },
      layers: [{ annotations: { "org.opencontainers.image.title": "sbom.json" } }],
    });
  });

  it("deletes a manifest by tag; then the tag is unknown, with a hint", async () => {
    expect((await toci(["copy", `${repo}:v1`, `${plain.host}/cli/delete:gone`])).code).toBe(0);
    const deleted = await tociJson<{ deleted: Descriptor }>(["delete", `${plain.host}/cli/delete:gone`]);
    expect(deleted.deleted.digest).toBe(fixture.root.digest);
    const after = await toci(["resolve", `${plain.host}/cli/delete:gone`]);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/^error: MANIFEST_UNKNOWN: .*\nhint: no such tag; `toci tags <repo>` lists them\n$/);
    const json = await toci(["pull", `${plain.host}/cli/delete:gone`, "--json", "--store", tempDir()]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "MANIFEST_UNKNOWN", status: 404 } });
  });

  it("lists the catalog and pings", async () => {
    const { code, stdout } = await toci(["catalog", plain.host]);
    expect(code).toBe(0);
    expect(stdout.split("\n")).toContain("cli/commands");
    const doc = await tociJson<{ repositories: string[] }>(["catalog", plain.url]);
    expect(doc.repositories).toContain("cli/commands");
    expect(await tociJson(["ping", plain.host])).toMatchObject({ ok: true, registry: plain.host });
  });

  it("reports an unreachable registry as NETWORK with a hint, and a stack only with --debug", async () => {
    const down = await toci(["tags", "127.0.0.1:9/cli/x"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: NETWORK: .*\nhint: nothing accepts connections at 127\.0\.0\.1:9/);
    expect(down.stderr).not.toMatch(/\n\s+at /);
    const debug = await toci(["tags", "127.0.0.1:9/cli/x", "--debug"]);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
