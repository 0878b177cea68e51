// Runs every sample (compiled by the build to dist/samples/) as a user would, `node dist/samples/x.js`, against real
// distribution 2.8.2 registries started here: a plain one, and one with token auth for the auth sample.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { multiArchIndex, pushFixture } from "@toci/testkit/fixtures";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const samples = fileURLToPath(new URL("../dist/samples/", import.meta.url));
const image = multiArchIndex({ seed: "samples" });

let plain: RunningRegistry;
let token: RunningRegistry;

beforeAll(async () => {
  if (!existsSync(samples)) throw new Error("dist/samples is missing: run the build first (npm run build)");
  [plain, token] = await Promise.all([startRegistry({ auth: "none" }), startRegistry({ auth: "token" })]);
  await pushFixture(image, { url: plain.url, repo: "samples/hello", tag: "v1" });
  await pushFixture(image, {
    url: token.url,
    repo: "samples/hello",
    tag: "v1",
    credentials: token.credentials!,
  });
});

afterAll(async () => {
  await Promise.all([plain?.stop(), token?.stop()]);
});

async function sample(name: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await run(process.execPath, [`${samples}${name}.js`], {
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return stdout;
}

describe("samples", () => {
  it("pull: pulls a tag into a layout on disk", async () => {
    const out = await sample("pull", { REGISTRY: plain.host, REPO: "samples/hello", TAG: "v1" });
    expect(out).toContain("100% (");
    expect(out).toContain(`stored ${image.root.digest}`);
  });

  it("pull-platform: pulls one platform and names its manifest with the tag", async () => {
    const out = await sample("pull-platform", { REGISTRY: plain.host, REPO: "samples/hello", PLATFORM: "linux/arm64" });
    const arm64 = image.images[1]!.root.digest;
    expect(out).toContain(`linux/arm64 is ${arm64}`);
    expect(out).toContain(`the tag names ${arm64} in the store`);
  });

  it("push-blob: pushes one blob", async () => {
    const out = await sample("push-blob", { REGISTRY: plain.host, REPO: "samples/blob" });
    expect(out).toMatch(/sha256:[0-9a-f]{64} exists: true/);
  });

  it("catalog: lists repositories and their tags", async () => {
    const out = await sample("catalog", { REGISTRY: plain.host });
    expect(out).toContain("samples/hello: v1");
  });

  it("auth: authenticates at a token registry", async () => {
    const out = await sample("auth", {
      REGISTRY: token.host,
      REPO: "samples/hello",
      TOCI_USERNAME: token.credentials!.username,
      TOCI_PASSWORD: token.credentials!.password,
    });
    expect(out).toContain("ping as testuser: true");
    expect(out).toContain("samples/hello tags: v1");
  });

  it("copy: copies an image to another repository", async () => {
    const out = await sample("copy", {
      SOURCE: `${plain.host}/samples/hello:v1`,
      TARGET: `${plain.host}/samples/copy:v2`,
    });
    expect(out).toContain(`samples/copy:v2 is ${image.root.digest}`);
  });

  it("referrers: attaches an SBOM and lists it", async () => {
    const out = await sample("referrers", { REGISTRY: plain.host, REPO: "samples/hello", TAG: "v1" });
    const pushed = /pushed the SBOM as (sha256:[0-9a-f]{64})/.exec(out)?.[1];
    expect(pushed).toBeDefined();
    expect(out).toContain(`${pushed} application/spdx+json`);
  });
});
