// The browser bundle budget: what @toci/archive adds to a browser bundle that already holds toci (so
// @toci/spec-types is left out: the client needs it anyway), bundled by rolldown (vite 8's bundler) for browsers and
// minified, then gzipped: the code that loads with the page (the entry and every chunk it imports statically) must
// stay under 8 KB. What loads on first use (importArchive's and exportArchive's bodies, the tar writer, fzstd and
// the zstd frame check) is reported apart; fzstd must not be in the part that loads with the page.
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { type OutputChunk, rolldown } from "rolldown";
import { describe, expect, it } from "vitest";

const BUDGET = 8 * 1000;

async function chunks(): Promise<OutputChunk[]> {
  const bundle = await rolldown({
    input: fileURLToPath(new URL("../src/index.ts", import.meta.url)),
    platform: "browser",
    external: [/^@toci\/spec-types/],
    logLevel: "silent",
  });
  const { output } = await bundle.generate({ format: "esm", minify: true });
  await bundle.close();
  return output.filter((o): o is OutputChunk => o.type === "chunk");
}

describe("bundle budget", () => {
  it("@toci/archive adds < 8 KB minified and gzipped to what a browser page loads; the rest loads on first use", async () => {
    const all = await chunks();
    const byName = new Map(all.map((c) => [c.fileName, c]));
    const eager = new Set<OutputChunk>();
    const visit = (chunk: OutputChunk) => {
      if (eager.has(chunk)) return;
      eager.add(chunk);
      for (const name of chunk.imports) if (byName.has(name)) visit(byName.get(name)!);
    };
    visit(all.find((c) => c.isEntry)!);
    const lazy = all.filter((c) => !eager.has(c));
    const code = [...eager].map((c) => c.code).join("\n");
    const gz = (text: string) => gzipSync(text, { level: 9 }).byteLength;
    const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;
    console.log(
      `@toci/archive for browsers (spec-types left out): ${kb(code.length)} minified, ${kb(gz(code))} gzipped with the page; ` +
        `on first use: ${lazy.map((c) => `${c.fileName.replace(/-.*/, "")} ${kb(gz(c.code))}`).join(", ")} gzipped`,
    );
    expect(code).not.toMatch(/node:/);
    expect(code).not.toContain("window size too large"); // fzstd's own message
    expect(lazy.some((c) => c.code.includes("window size too large"))).toBe(true);
    expect(gz(code)).toBeLessThan(BUDGET);
  }, 120_000);
});
