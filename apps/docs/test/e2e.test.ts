// The playground in real Chromium (Debian's /usr/bin/chromium through playwright-core; no browser is downloaded),
// against the BUILT site served by server/serve.mjs with its same-origin registry proxy, in front of the testkit's
// fault proxy, in front of a real distribution 2.8.2 registry with token auth:
//   Chromium → serve.mjs (site + /v2/ proxy + token realm) → fault proxy → registry (token auth) / token server
// and, for artifacts, through @toci/relay on another origin (real CORS), then offline through the site's service
// worker once the registry is gone:
//   Chromium → relay (another port) → fault proxy → registry / token server
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@toci/client";
import { relay } from "@toci/relay";
import { nodeFetch, type RunningServer, serve as serveHandler } from "@toci/relay/node";
import { isIndex, parseManifest, readAll } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { artifact, type ImageFixture, multiArchIndex, pushFixture, writeLargeLayerImage } from "@toci/testkit/fixtures";
import { cutAfter, type FaultProxy, startFaultProxy } from "@toci/testkit/proxy";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { fetchTransport } from "@toci/transport-fetch";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve } from "../server/serve.mjs";

const here = fileURLToPath(new URL("..", import.meta.url));
const dist = join(here, ".vitepress", "dist");
const artifacts = join(here, "test-artifacts");
const CHROMIUM = "/usr/bin/chromium";
// Playwright adds most of these itself (seen in `ps`); only --disable-gpu and --disable-quic are really added here.
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const MiB = 1024 * 1024;

const multi = multiArchIndex({ seed: "playground", layerSizes: [2048, 400_000] });
/** An artifact's files: a title with a `/` is a path below the tag. */
const FILES = { "hello.txt": "hello from the registry\n", "notes/readme.md": "# offline\n\nread from IndexedDB\n" };
const files = artifact({
  files: Object.entries(FILES).map(([title, text]) => ({
    title,
    mediaType: "text/plain",
    data: new TextEncoder().encode(text),
  })),
});
let relayServer: RunningServer | undefined;
let big: ImageFixture;
let registry: RunningRegistry;
let proxy: FaultProxy;
let site: Awaited<ReturnType<typeof serve>>;
let context: BrowserContext;
let page: Page;
let profile: string;
let work: string;

beforeAll(async () => {
  if (!existsSync(join(dist, "playground.html"))) throw new Error("the site is not built: run npm run build first");
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  work = mkdtempSync(join(tmpdir(), "toci-docs-e2e-"));
  registry = await startRegistry({ auth: "token" });
  proxy = await startFaultProxy({ target: registry.url });
  const credentials = registry.credentials!;
  big = await writeLargeLayerImage(join(work, "layout"), { size: 64 * MiB, seed: "playground-64m" });
  await Promise.all([
    pushFixture(multi, { url: registry.url, repo: "demo/multi", tag: "v1", credentials }),
    pushFixture(big, { url: registry.url, repo: "demo/big", tag: "v1", credentials }),
    pushFixture(files, { url: registry.url, repo: "demo/files", tag: "v1", credentials }),
  ]);
  site = await serve({ port: 0, registry: proxy.url, log: () => {} });
  profile = join(work, "profile");
  // A persistent (on-disk) profile: IndexedDB lives on disk, as for a user, not in an incognito context's memory.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    acceptDownloads: true,
    viewport: { width: 1280, height: 1400 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${site.url}/playground.html`);
  await page.locator('[data-testid="playground"][data-ready="yes"]').waitFor({ timeout: 30_000 });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await relayServer?.close();
  await site?.close();
  await proxy?.stop();
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Fills the form and pulls; resolves with the status element's data once the pull ended. */
async function pull(repository: string, tag: string, platform = ""): Promise<Record<string, string>> {
  await page.getByTestId("repository").fill(repository);
  await page.getByTestId("tag").fill(tag);
  await page.getByTestId("platform").fill(platform);
  const before = await page.evaluate(() =>
    Number(document.querySelector<HTMLElement>('[data-testid="status"]')?.dataset.run ?? 0),
  );
  await page.getByTestId("pull").click();
  const status = page.locator(`[data-testid="status"][data-run="${before + 1}"]`);
  await status.waitFor({ timeout: 60_000 });
  return status.evaluate((el: HTMLElement) => ({ ...el.dataset }) as Record<string, string>);
}

/** The manifest tree as shown: kind, digest, size, stored, platform per node. */
async function shownTree(): Promise<Record<string, string>[]> {
  return page
    .locator('[data-testid="node"]')
    .evaluateAll((nodes: HTMLElement[]) => nodes.map((n) => ({ ...n.dataset }) as Record<string, string>));
}

/** What the registry says (through a Node client, not the browser): the platform manifest, its config and layers. */
async function registryTree(repository: string, tag: string, platform: string): Promise<string[]> {
  await using client = new Client({ transport: fetchTransport(), store: memoryStore() });
  const repo = client.registry(registry.url, { auth: { type: "basic", ...registry.credentials! } }).repo(repository);
  const manifest = await repo.resolve(tag, { platform });
  if (!manifest) throw new Error("the registry does not resolve the tag");
  const bytes = await repo.fetch(manifest, (stream) => readAll(stream, MiB));
  const parsed = parseManifest(bytes!, manifest.mediaType);
  if (isIndex(parsed)) throw new Error("expected a manifest");
  return [manifest.digest, parsed.config.digest, ...parsed.layers.map((l) => l.digest)];
}

describe("playground (Chromium, built site, token registry)", () => {
  it("pulls one platform of a multi-arch image and shows the registry's digests", async () => {
    const status = await pull("demo/multi", "v1", "linux/arm64");
    expect(status.state).toBe("done");
    await expect.poll(() => page.getByTestId("progress").evaluate((el: HTMLProgressElement) => el.value)).toBe(100);

    const nodes = await shownTree();
    const expected = await registryTree("demo/multi", "v1", "linux/arm64");
    expect(nodes.map((n) => n.digest)).toEqual(expected);
    expect(nodes.map((n) => n.kind)).toEqual(["manifest", "config", "layer", "layer"]);
    expect(nodes.every((n) => n.stored === "yes")).toBe(true);
    const arm64 = multi.images[1]!;
    expect(expected).toEqual([arm64.root.digest, arm64.config.digest, ...arm64.layers.map((l) => l.digest)]);
    expect(Number(nodes[2]!.size)).toBe(arm64.layers[0]!.size);

    const roots = await page
      .locator('[data-testid="root"]')
      .evaluateAll((rows: HTMLElement[]) => rows.map((r) => ({ digest: r.dataset.digest, name: r.dataset.name })));
    expect(roots).toEqual([{ digest: arm64.root.digest, name: `${new URL(site.url).host}/demo/multi:v1` }]);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "playground.png"), fullPage: true });
  });

  it("keeps the content after a reload, and downloads a verified blob", async () => {
    await page.reload();
    await page.locator('[data-testid="playground"][data-ready="yes"]').waitFor();
    await expect.poll(() => page.locator('[data-testid="root"]').count()).toBe(1);
    await page.getByTestId("open").click();
    await expect.poll(() => page.locator('[data-testid="node"]').count()).toBe(4);
    const nodes = await shownTree();
    expect(nodes.every((n) => n.stored === "yes")).toBe(true);

    const layer = page.locator('[data-testid="node"][data-kind="layer"]').last();
    const digest = (await layer.getAttribute("data-digest"))!;
    const [download] = await Promise.all([page.waitForEvent("download"), layer.getByTestId("download").click()]);
    const bytes = readFileSync((await download.path())!);
    expect(`sha256:${createHash("sha256").update(bytes).digest("hex")}`).toBe(digest);
  });

  it("lists the image's files (its layers merged) and exports it as an OCI archive", async () => {
    await page.getByTestId("show-contents").click();
    const contents = page.locator('[data-testid="contents"][data-kind="image"][data-loading="no"]');
    await contents.waitFor();
    const shown = await page
      .locator('[data-testid="file"]')
      .evaluateAll((rows: HTMLElement[]) => rows.map((r) => [r.dataset.name, Number(r.dataset.size)]));
    const arm64 = multi.images[1]!;
    // The fixture's layers each hold one file, named for the platform and the layer.
    expect(shown).toEqual([
      ["arm64-v8-layer1.bin", 2048],
      ["arm64-v8-layer2.bin", 400_000],
    ]);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-oci").click()]);
    const tar = readFileSync((await download.path())!);
    const names = tarNames(tar);
    expect(names).toContain("oci-layout");
    expect(names).toContain("index.json");
    for (const d of [arm64.root, arm64.config, ...arm64.layers]) {
      expect(names).toContain(`blobs/sha256/${d.digest.slice("sha256:".length)}`);
    }
  });

  it("deletes the root and garbage-collects its blobs", async () => {
    await page.getByTestId("delete").click();
    await page.getByTestId("no-roots").waitFor();
    await page.getByTestId("gc").click();
    await expect.poll(() => page.getByTestId("gc-result").textContent()).toBe("GC removed 4 blobs");
    // Nothing is left: pulling again transfers every byte.
    const status = await pull("demo/multi", "v1", "linux/arm64");
    const arm64 = multi.images[1]!;
    const all = arm64.root.size + arm64.config.size + arm64.layers.reduce((n, l) => n + l.size, 0);
    expect(Number(status.bytes)).toBe(all);
  });

  it("shows the OciError code and message when a pull fails", async () => {
    const status = await pull("demo/multi", "no-such-tag");
    expect(status.state).toBe("failed");
    const error = page.getByTestId("error");
    expect(await error.getAttribute("data-code")).toBe("MANIFEST_UNKNOWN");
    expect(await error.textContent()).toContain("MANIFEST_UNKNOWN");
  });

  it("resumes a blob download cut mid-way (fault proxy between the site's proxy and the registry)", async () => {
    const amd64 = multi.images[0]!;
    const layer = amd64.layers[1]!;
    const rule = proxy.on({ method: "GET", path: `/blobs/${layer.digest}`, times: 1 }, cutAfter(100_000));
    proxy.clearRequests();
    const status = await pull("demo/multi", "v1", "linux/amd64");
    expect(status.state).toBe("done");
    expect(rule.hits).toBe(1);
    const gets = proxy.requests.filter((r) => r.method === "GET" && r.path.includes(`/blobs/${layer.digest}`));
    expect(gets.length).toBeGreaterThanOrEqual(2);
    expect(gets[0]!.done).toBe(false); // the cut one
    expect(gets.at(-1)!.headers.range).toMatch(/^bytes=\d+-/); // resumed, not restarted
    expect(Number(gets.at(-1)!.headers.range!.slice(6).split("-")[0])).toBeGreaterThan(0);
    const nodes = await shownTree();
    expect(nodes.map((n) => n.digest)).toEqual([
      amd64.root.digest,
      amd64.config.digest,
      ...amd64.layers.map((l) => l.digest),
    ]);
  });

  it("pulls a 64 MiB image into IndexedDB (throughput printed)", async () => {
    const status = await pull("demo/big", "v1");
    expect(status.state).toBe("done");
    expect(Number(status.bytes)).toBeGreaterThan(64 * MiB);
    const line = `IndexedDB pull in Chromium: ${(Number(status.bytes) / MiB).toFixed(1)} MiB in ${status.seconds} s = ${status.mbps} MB/s`;
    console.log(line);
    mkdirSync(artifacts, { recursive: true });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(artifacts, "indexeddb-throughput.txt"), `${line}\n`);
    // Free the space again.
    for (let n = await page.locator('[data-testid="root"]').count(); n > 0; n--) {
      await page.getByTestId("delete").first().click();
    }
    await page.getByTestId("no-roots").waitFor();
    await page.getByTestId("gc").click();
    await expect.poll(() => page.getByTestId("gc-result").textContent()).toMatch(/GC removed \d+ blobs/);
  });

  // Last: it stops the registry.
  it("pulls an artifact through a relay on another origin, opens its files, and reads them again offline", async () => {
    const realm = new URL(registry.token!.realm).origin;
    relayServer = await serveHandler(
      relay({
        upstreams: [{ url: proxy.url, name: "reg", origins: [realm] }],
        allowOrigins: [site.url],
        fetch: nodeFetch,
      }),
    );
    expect(new URL(relayServer.url).origin).not.toBe(new URL(site.url).origin);
    await page.locator('[data-testid="worker"][data-ready="yes"]').waitFor({ timeout: 30_000 });
    await page.getByTestId("relay").fill(`${relayServer.url}/reg`);
    await page.getByTestId("username").fill(registry.credentials!.username);
    await page.getByTestId("password").fill(registry.credentials!.password);
    proxy.clearRequests();
    const status = await pull("demo/files", "v1");
    expect(status.state).toBe("done");
    // It came through the relay: the fault proxy saw the pull, the site's own proxy did not forward it.
    expect(proxy.requests.some((r) => r.path === `/v2/demo/files/manifests/v1`)).toBe(true);
    const name = `${new URL(relayServer.url).host}/demo/files:v1`;

    const readFiles = async () => {
      await page.locator(`[data-testid="root"][data-name="${name}"] [data-testid="show-contents"]`).click();
      await page.locator('[data-testid="contents"][data-kind="artifact"][data-loading="no"]').waitFor();
      const rows = await page
        .locator('[data-testid="file"]')
        .evaluateAll((els: HTMLElement[]) => els.map((r) => r.dataset.name));
      const texts: Record<string, string> = {};
      for (const file of Object.keys(FILES)) {
        await page.locator(`[data-testid="file"][data-name="${file}"] [data-testid="view"]`).click();
        await page.locator(`[data-testid="file-view"][data-name="${file}"]`).waitFor();
        texts[file] = (await page.getByTestId("file-text").textContent()) ?? "";
      }
      // The worker serves the file at a URL, as an <img> or a module script would load it.
      const url = await page
        .locator('[data-testid="file"][data-name="hello.txt"] [data-testid="file-url"]')
        .getAttribute("href");
      const served = await page.evaluate(async (u) => {
        const r = await fetch(u!);
        return { status: r.status, type: r.headers.get("content-type"), text: await r.text() };
      }, url);
      return { rows, texts, served };
    };
    const expected = {
      rows: Object.keys(FILES),
      texts: FILES,
      // The layer's media type, as the artifact gives it.
      served: { status: 200, type: "text/plain", text: FILES["hello.txt"] },
    };
    expect(await readFiles()).toEqual(expected);

    await registry.stop();
    await page.reload();
    await page.locator('[data-testid="playground"][data-ready="yes"]').waitFor();
    await page.locator('[data-testid="worker"][data-ready="yes"]').waitFor();
    expect(await readFiles()).toEqual(expected);
  });
});

/** The entry names of a tar (ustar headers: 512-byte blocks, the name in the first 100 bytes, the size in octal). */
function tarNames(tar: Buffer): string[] {
  const names: string[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, length: number) =>
      header
        .subarray(from, from + length)
        .toString("latin1")
        .replace(/\0.*$/s, "");
    const prefix = field(345, 155);
    const name = field(0, 100);
    names.push((prefix ? `${prefix}/${name}` : name).replace(/\/$/, ""));
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}
