// The bundle budget: @toci/client + @toci/transport-fetch + @toci/store-indexeddb for browsers, built by vite 8
// (rolldown) from bundle/entry.ts, minified, then gzipped, must stay under 45 KB. hash-wasm's WebAssembly (inlined as
// base64 strings by hash-wasm itself) is excluded: the strings are emptied before bundling and reported apart.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Rollup } from "vite";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
// 40 KB until wave 2, whose client features (artifact push, credential providers and mirrors, the low-speed rule,
// kept abilities, BYOB bodies) took it to 43.5 KB; the budget moved to 45 KB so that growth stays visible. Winning
// the 40 KB back (a browser entry without what a page does not use) is open work.
const BUDGET = 45 * 1000;
/** hash-wasm inlines each algorithm's WebAssembly module as a base64 string ("AGFzbQ" is "\0asm"). */
const WASM = /["'`]AGFzbQ[A-Za-z0-9+/=]*["'`]/g;

async function bundle(excludeWasm: boolean): Promise<string> {
  const result = await build({
    configFile: false,
    root,
    logLevel: "silent",
    resolve: { conditions: ["browser", "module", "import", "default"] },
    plugins: [
      {
        name: "exclude-hash-wasm-wasm",
        transform(code, id) {
          if (!excludeWasm || !id.includes("hash-wasm")) return null;
          return code.replace(WASM, '""');
        },
      },
    ],
    build: {
      write: false,
      minify: true,
      target: "es2022",
      modulePreload: false,
      rollupOptions: {
        input: join(root, "bundle/entry.ts"),
        preserveEntrySignatures: "strict",
      },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  const chunks = outputs.flatMap((o) => o.output).filter((o): o is Rollup.OutputChunk => o.type === "chunk");
  return chunks.map((c) => c.code).join("\n");
}

describe("bundle budget", () => {
  it("client + transport-fetch + store-indexeddb for browsers: < 45 KB minified and gzipped (wasm excluded)", async () => {
    const lean = await bundle(true);
    const full = await bundle(false);
    const wasmBase64 = [...full.matchAll(WASM)].reduce((n, m) => n + m[0].length - 2, 0);
    const size = gzipSync(lean, { level: 9 }).byteLength;
    const fullSize = gzipSync(full, { level: 9 }).byteLength;
    const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;
    const line =
      `browser bundle (client + transport-fetch + store-indexeddb): ${kb(lean.length)} minified, ` +
      `${kb(size)} gzipped without hash-wasm's wasm (${kb(wasmBase64)} of base64 wasm left out); ` +
      `${kb(fullSize)} gzipped with it`;
    console.log(line);
    mkdirSync(join(root, "test-artifacts"), { recursive: true });
    writeFileSync(join(root, "test-artifacts", "bundle-size.txt"), `${line}\n`);
    expect(wasmBase64).toBeGreaterThan(0); // the full bundle does hold hash-wasm's wasm…
    expect(lean).not.toMatch(WASM); // …and the measured one does not
    expect(lean).not.toMatch(/node:/); // a browser build: the node hasher is not in it
    expect(size).toBeLessThan(BUDGET);
  });
});
