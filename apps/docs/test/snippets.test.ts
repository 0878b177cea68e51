// Runs the guides' snippets (snippets/*.ts, included into the pages with `<<< @/snippets/…`) against a real
// distribution 2.8.2 registry. `npm run typecheck` type-checks them against the workspace packages.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@toci/client";
import { memoryStore } from "@toci/store-memory";
import { multiArchIndex, pushFixture } from "@toci/testkit/fixtures";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { fetchTransport } from "@toci/transport-fetch";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as auth from "../snippets/auth.js";
import * as errors from "../snippets/errors.js";
import * as list from "../snippets/list.js";
import * as pull from "../snippets/pull.js";
import * as push from "../snippets/push.js";
import * as security from "../snippets/security.js";
import * as setup from "../snippets/setup.js";
import * as stores from "../snippets/stores.js";

const image = multiArchIndex({ seed: "snippets" });
let registry: RunningRegistry;
let client: Client;

beforeAll(async () => {
  registry = await startRegistry({ auth: "none" });
  await pushFixture(image, { url: registry.url, repo: "demo/hello", tag: "v1" });
});

beforeEach(async () => {
  await client?.close();
  client = new Client({ transport: fetchTransport(), store: memoryStore() });
});

afterAll(async () => {
  await client?.close();
  await registry?.stop();
});

const repo = (name = "demo/hello") => client.registry(registry.host).repo(name);

const root = fileURLToPath(new URL("..", import.meta.url));
const pages = ["index.md", "playground.md", ...readdirSync(join(root, "guide")).map((f) => `guide/${f}`)];

describe("the pages' code", () => {
  it("comes from type-checked files: every include resolves, and no TypeScript is written inline", () => {
    let includes = 0;
    for (const page of pages) {
      const text = readFileSync(join(root, page), "utf8");
      expect(text, page).not.toMatch(/^```(ts|js|typescript|javascript)\b/m);
      for (const [, file, region] of text.matchAll(/^<<< @\/([^#{\s]+)(?:#([\w-]+))?/gm)) {
        includes++;
        expect(existsSync(join(root, file!)), `${page}: ${file}`).toBe(true);
        if (region)
          expect(readFileSync(join(root, file!), "utf8"), `${page}: ${file}#${region}`).toContain(
            `// #region ${region}`,
          );
      }
    }
    expect(includes).toBeGreaterThan(20);
  });
});

describe("snippets", () => {
  it("setup", () => {
    expect(setup.memory()).toBeInstanceOf(Client);
  });

  it("pull by tag, platform, descriptor; cancel; fetch", async () => {
    expect(await pull.byTag(repo())).toBe(true);
    expect((await pull.byPlatform(repo()))?.digest).toBe(image.images[1]!.root.digest);
    expect((await pull.byDescriptor(client, repo()))?.digest).toBe(image.root.digest);
    expect(await pull.cancel(repo())).toBeUndefined();
    const layer = image.images[0]!.layers[1]!;
    expect(await pull.fetchBlob(repo(), layer)).toBe(layer.size);
  });

  it("push a blob, a tree, resumably; tag and delete", async () => {
    const blob = await push.blob(repo("demo/blob"));
    expect(await repo("demo/blob").exists(blob)).toBe(true);
    expect((await push.tree(client, repo(), repo("demo/tree")))?.digest).toBe(image.root.digest);
    expect(await push.resumable(repo("demo/blob"), new Blob([new Uint8Array(200_000).fill(7)]))).toBe(true);
    await pushFixture(image, { url: registry.url, repo: "demo/delete", tag: "v1" });
    expect(await push.tagAndDelete(repo("demo/delete"))).toBe(true);
    expect(await repo("demo/delete").resolve("stable")).toBeUndefined();
  });

  it("catalog, tags, resolve, exists", async () => {
    expect(await list.catalog(client.registry(registry.host))).toContain("demo/hello");
    const result = await list.tags(repo());
    expect(result.tags).toEqual(["v1"]);
    expect(result.exists).toBe(true);
  });

  it("auth options", () => {
    expect(auth.registries(client, {})).toHaveLength(4);
    expect(auth.plain(client).url).toBe("http://registry.lan:5000/");
  });

  it("docker credentials: stored, then read back (DOCKER_CONFIG)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "toci-docs-docker-"));
    const saved = process.env["DOCKER_CONFIG"];
    process.env["DOCKER_CONFIG"] = dir;
    try {
      expect((await auth.docker(client, { username: "me", password: "pw" })).url).toBe("https://registry.example.com/");
      const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
      expect(config.auths["registry.example.com"]).toEqual({ auth: Buffer.from("me:pw").toString("base64") });
    } finally {
      if (saved === undefined) delete process.env["DOCKER_CONFIG"];
      else process.env["DOCKER_CONFIG"] = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("errors: no-throw results, the logger, parsing throws", async () => {
    const seen = await errors.results(registry.host);
    expect(seen.some((line) => line.startsWith("NAME_UNKNOWN"))).toBe(true);
    expect(errors.throwing("alpine")).toBe("docker.io/library/alpine:latest");
    expect(errors.throwing("Not A Reference")).toMatch(/^REFERENCE_INVALID: /);
    expect(await errors.toldApart(repo())).toMatch(/^\d+ tags$/);
    expect(await errors.toldApart(repo("does/not-exist"))).toBe("no such repository");
  });

  it("pull from a reference string", async () => {
    const pulled = await pull.fromReference(client, `${registry.host}/demo/hello:v1`);
    expect(pulled?.digest).toBe(image.root.digest);
  });

  it("security: limits, and a layout with a bad index.json entry", async () => {
    const dir = mkdtempSync(join(tmpdir(), "toci-snippet-"));
    try {
      const limited = await security.limits(dir);
      await limited.close();
      const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
      index.manifests.push({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: "sha256:xyz", size: 1 });
      writeFileSync(join(dir, "index.json"), JSON.stringify(index));
      const seen = await security.warnings(dir);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ code: "INDEX_ENTRIES_SKIPPED", skipped: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stores: a layout on disk", async () => {
    const dir = mkdtempSync(join(tmpdir(), "toci-snippet-"));
    try {
      expect(await stores.layout(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
