// The README code blocks that name a file, taken from the installed tarballs (and the docs home page, whose code is
// included from apps/docs/snippets), used unchanged in the fresh app project against the local registry (REGISTRY):
//   // app.mjs (*.mjs, *.js) run with node on the Node running this test (20 in CI): exit 0, nothing on stderr
//   // app.ts           type-checked under "module": "nodenext" with "type": "module", and under
//                      "moduleResolution": "bundler"; then compiled (nodenext, target es2022) and run like app.mjs
//   // main.ts          a browser entry: type-checked in a browser project (bundler, DOM, no @types/node) and
//                      built by vite, which must print no warning, and run in Chromium to its end (an entry
//                      that imports it says when), without an uncaught error
//   // sw.ts            a service worker: type-checked in a service worker project (lib webworker, no DOM), built
//                      by vite beside a page that registers it as a module worker, and started in Chromium
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DONE, type PageRun, runInChromium } from "./chromium.js";
import { sh } from "./project.js";
import { type CodeBlock, codeBlocks, includedBlocks } from "./readme.js";
import { installedDir, installInfo } from "./setup-info.js";
import { publishedPackages, repoRoot } from "./workspace.js";

const info = installInfo();
const env = { REGISTRY: info.registry };

interface Block extends CodeBlock {
  file: string;
  /** "client-1": where the block comes from, and its folder under blocks/. */
  id: string;
}

async function collect(): Promise<Block[]> {
  const sources = [
    ...publishedPackages().map((p) => ({ name: p.dir, path: join(installedDir(info, p.pkg), "README.md") })),
    { name: "docs-home", path: join(repoRoot, "apps", "docs", "index.md") },
  ];
  const blocks: Block[] = [];
  for (const source of sources) {
    const markdown = await readFile(source.path, "utf8");
    const all = [...codeBlocks(markdown), ...(await includedBlocks(markdown, join(repoRoot, "apps", "docs")))];
    const found = all.filter((b) => b.file !== undefined);
    blocks.push(...found.map((b, i) => ({ ...b, file: b.file!, id: `${source.name}-${i + 1}` })));
  }
  return blocks;
}

const blocks = await collect();
// Other names (a page's worker, ...) are shown, not checked: they need a context this test does not build.
const scripts = blocks.filter((b) => /\.m?js$/.test(b.file));
const nodeTs = blocks.filter((b) => b.file === "app.ts");
const browser = blocks.filter((b) => b.file === "main.ts");
const serviceWorkers = blocks.filter((b) => b.file === "sw.ts");

const blocksDir = join(info.app, "blocks");
const where = (kind: string, b: Block) => join(blocksDir, kind, b.id);

/** A tsconfig.json for the blocks under `include`: strict, for Node 20 (es2022), the given resolution and libs. */
function tsconfig(options: Record<string, unknown>, include: string[]): string {
  const base = { target: "es2022", strict: true, noEmit: true };
  return `${JSON.stringify({ compilerOptions: { ...base, ...options }, include }, null, 2)}\n`;
}

/**
 * Three projects a user could have. skipLibCheck is off where it costs little or matters: then tsc checks our
 * .d.ts files too, under the user's settings (a browser project has no @types/node and no esnext.disposable).
 */
const PROJECTS = {
  nodenext: tsconfig(
    {
      module: "nodenext",
      moduleResolution: "nodenext",
      lib: ["es2023"],
      types: ["node"],
      skipLibCheck: false,
      noEmit: false,
      rootDir: "blocks",
      outDir: "build",
    },
    ["blocks/node"],
  ),
  bundler: tsconfig(
    { module: "esnext", moduleResolution: "bundler", lib: ["es2023"], types: ["node"], skipLibCheck: true },
    ["blocks/node"],
  ),
  browser: tsconfig(
    {
      module: "esnext",
      moduleResolution: "bundler",
      lib: ["es2023", "dom", "dom.iterable"],
      types: [],
      skipLibCheck: false,
    },
    ["blocks/browser"],
  ),
  // A service worker's global scope is lib "webworker"'s, which does not mix with DOM's.
  serviceWorker: tsconfig(
    { module: "esnext", moduleResolution: "bundler", lib: ["es2023", "webworker"], types: [], skipLibCheck: false },
    ["blocks/sw"],
  ),
};

function tsc(project: keyof typeof PROJECTS) {
  return sh(join(info.app, "node_modules", ".bin", "tsc"), ["-p", `tsconfig.${project}.json`], { cwd: info.app });
}

beforeAll(async () => {
  for (const [kind, list] of [
    ["script", scripts],
    ["node", nodeTs],
    ["browser", browser],
    ["sw", serviceWorkers],
  ] as const) {
    for (const b of list) {
      await mkdir(where(kind, b), { recursive: true });
      await writeFile(join(where(kind, b), b.file), b.code);
    }
  }
  for (const b of browser) {
    const html = `<!doctype html>\n<html><body><script type="module" src="./entry.js"></script></body></html>\n`;
    await writeFile(join(where("browser", b), "index.html"), html);
    // An importer finishes after the module's top-level awaits: then the page has run the block to its end.
    await writeFile(join(where("browser", b), "entry.js"), `import "./${b.file}";\nglobalThis.${DONE} = true;\n`);
  }
  for (const b of serviceWorkers) await serviceWorkerPage(where("sw", b), b.file);
  for (const [name, json] of Object.entries(PROJECTS)) await writeFile(join(info.app, `tsconfig.${name}.json`), json);
});

/**
 * A page that registers the service worker `file` as a module worker, built by vite with it (the worker at the fixed
 * name sw.js, its shared chunks imported). A worker whose script throws, or awaits at its top level (HTML refuses
 * that in service workers), never starts: registering it rejects.
 */
async function serviceWorkerPage(dir: string, file: string): Promise<void> {
  const html = `<!doctype html>\n<html><body><script type="module" src="./entry.js"></script></body></html>\n`;
  await writeFile(join(dir, "index.html"), html);
  const entry = [
    'await navigator.serviceWorker.register("./sw.js", { type: "module" });',
    "await navigator.serviceWorker.ready;",
    'console.log("service worker active");',
    `globalThis.${DONE} = true;`,
  ];
  await writeFile(join(dir, "entry.js"), `${entry.join("\n")}\n`);
  const input = JSON.stringify({ index: "index.html", sw: file });
  const config = [
    "export default {",
    `  build: { rollupOptions: { input: ${input}, output: { entryFileNames: (chunk) =>`,
    '    chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js" } } },',
    "};",
  ];
  await writeFile(join(dir, "vite.config.mjs"), `${config.join("\n")}\n`);
}

/**
 * `vite build` in `dir`, which must write nothing on stderr and no warning, then the page in Chromium, which must
 * finish without an uncaught error.
 */
async function buildAndRun(dir: string): Promise<PageRun> {
  const vite = join(info.app, "node_modules", ".bin", "vite");
  const { stdout, stderr } = await sh(vite, ["build", "--logLevel", "info"], { cwd: dir });
  expect(stderr).toBe("");
  expect(stdout).not.toMatch(/warn|\(!\)/i);
  expect(existsSync(join(dir, "dist", "index.html"))).toBe(true);
  const run = await runInChromium(join(dir, "dist"));
  expect(run.errors).toEqual([]);
  return run;
}

describe("README quick starts, in a fresh project", () => {
  it("include the client's Node, TypeScript and browser quick starts, every package's example and the docs home page's", () => {
    const ids = blocks.map((b) => `${b.id.replace(/-\d+$/, "")}:${b.file}`);
    const expected = ["client:app.mjs", "client:app.ts", "client:main.ts", "docs-home:app.mjs"];
    expected.push("archive:example.mjs", "credentials:example.mjs", "relay:app.mjs", "relay:sw.ts");
    expected.push("store-indexeddb:app.mjs", "store-opfs:main.ts", "spec-types:app.ts");
    // The OPFS README's page and pull: two pages.
    expect(ids.filter((id) => id === "store-opfs:main.ts")).toHaveLength(2);
    for (const id of expected) expect(ids).toContain(id);
  });

  it.each(scripts.map((b) => [`${b.id} (${b.file})`, b] as const))("%s runs with node", async (_id, b) => {
    const { stdout, stderr } = await sh(process.execPath, [b.file], { cwd: where("script", b), env });
    expect(stderr).toBe("");
    expect(stdout.length).toBeGreaterThan(0);
  });

  // The type-checks are CPU-bound and independent: side by side.
  it.concurrent('app.ts blocks type-check under nodenext with "type": "module", compile, and run', async () => {
    await tsc("nodenext");
    for (const b of nodeTs) {
      const dir = join(info.app, "build", "node", b.id);
      const js = b.file.replace(/\.ts$/, ".js");
      const { stdout, stderr } = await sh(process.execPath, [js], { cwd: dir, env });
      expect(stderr, b.id).toBe("");
      expect(stdout.length, b.id).toBeGreaterThan(0);
    }
  });

  it.concurrent("app.ts blocks type-check under moduleResolution bundler", async () => {
    await tsc("bundler");
  });

  it.concurrent("main.ts blocks type-check in a browser project (DOM, no @types/node, lib es2023)", async () => {
    await tsc("browser");
  });

  it.concurrent("sw.ts blocks type-check in a service worker project (lib webworker, no DOM)", async () => {
    await tsc("serviceWorker");
  });

  it.each(browser.map((b) => [b.id, b] as const))(
    "%s (main.ts) builds with vite for browsers, without a warning, and runs in Chromium",
    async (_id, b) => {
      const run = await buildAndRun(where("browser", b));
      expect(run.console.length, run.console.join("\n")).toBeGreaterThan(0);
    },
  );

  it.each(serviceWorkers.map((b) => [b.id, b] as const))(
    "%s (sw.ts) builds with vite as a module service worker, which starts in Chromium",
    async (_id, b) => {
      expect((await buildAndRun(where("sw", b))).console).toContain("log: service worker active");
    },
  );
});
