// The bundle an app ships to pull into OPFS: @toci/client + @toci/transport-fetch + @toci/store-opfs, built by
// vite 8 (rolldown) for browsers, minified, gzipped (level 9): the page's chunk and the store's worker (which vite
// builds apart, from `new Worker(new URL("./worker.js", import.meta.url))`). hash-wasm's WebAssembly, which it
// inlines as base64 strings, is left out (emptied before bundling) and reported apart, as in the docs' budget test.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Plugin, type Rollup } from "vite";

/** hash-wasm inlines each algorithm's WebAssembly module as a base64 string ("AGFzbQ" is "\0asm"). */
const WASM = /["'`]AGFzbQ[A-Za-z0-9+/=]*["'`]/g;

export interface BundleSize {
  /** gzipped bytes of the page's chunks, wasm left out */
  page: number;
  /** gzipped bytes of the worker, wasm left out */
  worker: number;
  /** base64 characters of wasm left out (page and worker) */
  wasmBase64: number;
}

const stripWasm = (): Plugin => ({
  name: "strip-hash-wasm-wasm",
  transform(code, id) {
    return id.includes("hash-wasm") ? code.replace(WASM, '""') : null;
  },
});

export async function bundleSize(): Promise<BundleSize> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const dir = await mkdtemp(join(root, "node_modules", ".bundle-"));
  const entry = join(dir, "entry.js");
  await writeFile(
    entry,
    [
      'export { Client, isOciError } from "@toci/client";',
      'export { fetchTransport } from "@toci/transport-fetch";',
      'export { opfsStore } from "@toci/store-opfs";',
    ].join("\n"),
  );
  try {
    const full = await outputs(root, entry, false);
    const lean = await outputs(root, entry, true);
    const gz = (files: string[]) => files.reduce((n, code) => n + gzipSync(code, { level: 9 }).byteLength, 0);
    const wasm = (files: string[]) =>
      files.reduce((n, code) => n + [...code.matchAll(WASM)].reduce((m, x) => m + x[0].length - 2, 0), 0);
    if (lean.worker.length === 0) throw new Error("vite emitted no worker: the store's worker was not found");
    return { page: gz(lean.page), worker: gz(lean.worker), wasmBase64: wasm([...full.page, ...full.worker]) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function outputs(root: string, entry: string, lean: boolean): Promise<{ page: string[]; worker: string[] }> {
  const plugins = lean ? [stripWasm()] : [];
  const result = await build({
    configFile: false,
    root,
    logLevel: "silent",
    resolve: { conditions: ["browser", "module", "import", "default"] },
    plugins,
    worker: { format: "es", plugins: () => (lean ? [stripWasm()] : []) },
    build: {
      write: false,
      minify: true,
      target: "es2022",
      modulePreload: false,
      rollupOptions: { input: entry, preserveEntrySignatures: "strict" },
    },
  });
  const all = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  const files = all.flatMap((o) => o.output);
  const page = files.filter((f): f is Rollup.OutputChunk => f.type === "chunk").map((c) => c.code);
  // The worker is emitted as an asset of the page's build, a separate bundle of its own.
  const worker = files
    .filter((f): f is Rollup.OutputAsset => f.type === "asset" && f.fileName.endsWith(".js"))
    .map((a) => (typeof a.source === "string" ? a.source : new TextDecoder().decode(a.source)));
  return { page, worker };
}
