// The browser bundle budget (issue 18), measured one way for every combination (the docs' budget test, the OPFS
// bench): an app's entry built by vite 8 (rolldown) for browsers, minified, each emitted JavaScript file gzipped
// (level 9) on its own and summed: the page's chunks, and a store's worker (store-opfs), which vite builds apart.
//
// "wasm hasher excluded" means hash-wasm, the WebAssembly hasher (an optional peer dependency of @toci/spec-types,
// loaded on the first hash, in a chunk of its own), is left out whole: its base64 WebAssembly and its JavaScript
// alike, replaced by an empty module before bundling. What is ours stays counted, the code that loads it included,
// and so does the bundler's chunk-loading helper. Two more builds report what the budget leaves out: with
// hash-wasm's JavaScript counted (its wasm still emptied), and whole.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Plugin, type Rollup } from "vite";

/** hash-wasm inlines each algorithm's WebAssembly module as a base64 string ("AGFzbQ" is "\0asm"). */
export const WASM_BASE64 = /["'`]AGFzbQ[A-Za-z0-9+/=]*["'`]/g;

/** How much of hash-wasm a build keeps: none (the budget), its JavaScript without the wasm, or all of it. */
export type HasherShare = "none" | "js" | "whole";

/** hash-wasm's factories the packages import, as stand-ins that do nothing, for the "none" build. */
const EMPTY_HASHER = "export const createSHA256 = () => {}; export const createSHA512 = () => {};";

/** One build's output: the files' code, and gzipped bytes. */
export interface BundleBuild {
  /** The page's chunks (the entry and what it imports lazily). */
  page: string[];
  /** The workers vite emitted as assets (store-opfs's), with their chunks. */
  worker: string[];
  /** Gzipped bytes of the page's files, each gzipped on its own. */
  pageBytes: number;
  /** Gzipped bytes of the worker's files. */
  workerBytes: number;
}

/** The figures of one combination. */
export interface BundleFigures {
  /** The budget's figure: page + worker gzipped, hash-wasm left out whole. */
  total: number;
  /** The build the budget counts. */
  lean: BundleBuild;
  /** With hash-wasm's JavaScript counted (its wasm left out). */
  withHasherJs: BundleBuild;
  /** Base64 characters of WebAssembly that hash-wasm inlines (left out of both builds above). */
  wasmBase64: number;
}

/**
 * Builds `entry` (module source code, written into a temporary directory under `root`, from where the packages
 * resolve) three times and returns the figures.
 */
export async function measureBundle(root: string, entry: string): Promise<BundleFigures> {
  const dir = await mkdtemp(join(root, ".bundle-"));
  const file = join(dir, "entry.js");
  await writeFile(file, entry);
  try {
    const lean = await bundle(root, file, "none");
    const withHasherJs = await bundle(root, file, "js");
    const whole = await bundle(root, file, "whole");
    const wasmBase64 = [...whole.page, ...whole.worker]
      .flatMap((code) => [...code.matchAll(WASM_BASE64)])
      .reduce((n, m) => n + m[0].length - 2, 0);
    return { total: lean.pageBytes + lean.workerBytes, lean, withHasherJs, wasmBase64 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** "37.5 KB" (1 KB = 1000 bytes, as the budget is written). */
export const kilobytes = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;

const stripHasher = (share: HasherShare): Plugin[] =>
  share === "whole"
    ? []
    : [
        {
          name: "strip-hash-wasm",
          transform(code, id) {
            if (!id.includes("/node_modules/hash-wasm/")) return null;
            return share === "none" ? EMPTY_HASHER : code.replace(WASM_BASE64, '""');
          },
        },
      ];

async function bundle(root: string, entry: string, share: HasherShare): Promise<BundleBuild> {
  const result = await build({
    configFile: false,
    root,
    logLevel: "silent",
    resolve: { conditions: ["browser", "module", "import", "default"] },
    plugins: stripHasher(share),
    worker: { format: "es", plugins: () => stripHasher(share) },
    build: {
      write: false,
      minify: true,
      target: "es2022",
      modulePreload: false,
      rollupOptions: { input: entry, preserveEntrySignatures: "strict" },
    },
  });
  const files = ((Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[]).flatMap((o) => o.output);
  const page = files.filter((f): f is Rollup.OutputChunk => f.type === "chunk").map((c) => c.code);
  // A worker is emitted as an asset of the page's build: a separate bundle of its own, with its own chunks.
  const worker = files
    .filter((f): f is Rollup.OutputAsset => f.type === "asset" && f.fileName.endsWith(".js"))
    .map((a) => (typeof a.source === "string" ? a.source : new TextDecoder().decode(a.source)));
  const gz = (codes: string[]) => codes.reduce((n, code) => n + gzipSync(code, { level: 9 }).byteLength, 0);
  return { page, worker, pageBytes: gz(page), workerBytes: gz(worker) };
}
