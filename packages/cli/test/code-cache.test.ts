// The V8 code cache the bin runs its bundle through: used when it is whole and made from these bytes by this Node,
// ignored (and rewritten) otherwise, written atomically, and never in the way of a run: a read-only or impossible
// cache directory, or TOCI_CODE_CACHE=0, leaves toci working as without it.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheKey } from "../src/code-cache.js";
import { toci } from "./helpers.js";

/** A bundle like main.cjs: CommonJS, exporting main(argv), with enough code for V8 to cache. */
function bundle(dir: string, answer: number): string {
  const file = join(dir, "main.cjs");
  const helpers = Array.from({ length: 50 }, (_, i) => `function h${i}(x) { return x + ${i}; }`).join("\n");
  writeFileSync(file, `${helpers}\nexports.main = async (argv) => h0(${answer}) + argv.length;\n`);
  return file;
}

function cacheFiles(home: string): string[] {
  const dir = join(home, "toci");
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
}

/** Whether the cache file at `path` is whole: its header's SHA-256 is its payload's. */
function isWhole(path: string): boolean {
  const data = readFileSync(path);
  const end = data.indexOf(10);
  const sum = data.subarray(0, end).toString("latin1").split(" ")[2];
  return (
    createHash("sha256")
      .update(data.subarray(end + 1))
      .digest("hex") === sum
  );
}

/** The module as built (dist/), run in a child: each run a fresh process, as each `toci` is (a process's own V8
 * keeps compiled scripts, and would answer a second load without looking at the cache). */
const MODULE = new URL("../dist/code-cache.js", import.meta.url).href;
const CHILD = `import { loadBundle } from ${JSON.stringify(MODULE)};
const [file, command, env] = process.argv.slice(1);
const loaded = loadBundle(file, { env: JSON.parse(env), command });
const answer = await loaded.module.main(["a", "b"]);
loaded.save();
process.stdout.write(JSON.stringify({ answer, cache: loaded.cache }));`;

/** Loads `file` with the cache under `home`, runs main, saves; returns what main answered and the cache's state. */
function run(file: string, home: string, command = "pull", extra: NodeJS.ProcessEnv = {}) {
  const env = JSON.stringify({ XDG_CACHE_HOME: home, ...extra });
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", CHILD, file, command, env]);
  return JSON.parse(out.toString()) as { answer: number; cache: string };
}

describe("the code cache", () => {
  it("is written after a first run, then used; a new command rewrites it with that command added", () => {
    const dir = mkdtempSync(join(tmpdir(), "toci-cc-"));
    const file = bundle(dir, 40);
    expect(run(file, dir)).toEqual({ answer: 42, cache: "absent" });
    const [cache] = cacheFiles(dir);
    expect(cache).toMatch(/code-[0-9a-f]{32}\.v8cache$/);
    expect(statSync(cache as string).mode & 0o777).toBe(0o600);
    const before = readFileSync(cache as string);
    expect(run(file, dir)).toEqual({ answer: 42, cache: "used" });
    expect(readFileSync(cache as string).equals(before)).toBe(true); // nothing new: not rewritten
    expect(run(file, dir, "tags")).toEqual({ answer: 42, cache: "used" });
    expect(readFileSync(cache as string, "latin1").split("\n")[0]).toMatch(/ pull,tags$/);
    expect(cacheFiles(dir)).toHaveLength(1); // no temp file left
  });

  it("a cache with a flipped byte, cut short or not ours is ignored, and rewritten whole", () => {
    const dir = mkdtempSync(join(tmpdir(), "toci-cc-"));
    const file = bundle(dir, 40);
    run(file, dir);
    const [cache] = cacheFiles(dir) as [string];
    expect(isWhole(cache)).toBe(true);
    const good = readFileSync(cache);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 100] = (flipped[flipped.length - 100] as number) ^ 0xff;
    for (const bad of [flipped, good.subarray(0, good.length - 1), good.subarray(0, 40), Buffer.from("junk")]) {
      writeFileSync(cache, bad);
      expect(run(file, dir)).toEqual({ answer: 42, cache: "corrupt" });
      expect(run(file, dir)).toEqual({ answer: 42, cache: "used" });
    }
  });

  it("a cache V8 refuses (whole, but made from another script) is ignored and replaced", () => {
    const dir = mkdtempSync(join(tmpdir(), "toci-cc-"));
    const other = mkdtempSync(join(tmpdir(), "toci-cc-"));
    run(bundle(other, 1), other);
    const file = bundle(dir, 40);
    run(file, dir);
    const [mine] = cacheFiles(dir) as [string];
    const [theirs] = cacheFiles(other) as [string];
    writeFileSync(mine, readFileSync(theirs)); // a whole, well-formed cache of different source
    expect(run(file, dir)).toEqual({ answer: 42, cache: "rejected" });
    expect(run(file, dir)).toEqual({ answer: 42, cache: "used" });
  });

  it("another build or another Node never finds this one's cache", () => {
    const dir = mkdtempSync(join(tmpdir(), "toci-cc-"));
    run(bundle(dir, 40), dir);
    // The same length, other bytes: V8 alone would take the old cache for it (it checks only the source's length).
    const file = bundle(dir, 41);
    expect(run(file, dir)).toEqual({ answer: 43, cache: "absent" });
    expect(cacheFiles(dir)).toHaveLength(2);
    const bytes = readFileSync(file);
    expect(cacheKey(bytes, ["v20.0.0", "11", "linux", "x64"])).not.toBe(
      cacheKey(bytes, ["v22.0.0", "11", "linux", "x64"]),
    );
    expect(cacheKey(bytes)).toBe(cacheKey(bytes));
  });

  it("a cache directory that cannot be made, or TOCI_CODE_CACHE=0, leaves the run as it is", () => {
    const dir = mkdtempSync(join(tmpdir(), "toci-cc-"));
    const file = bundle(dir, 40);
    const blocked = join(dir, "a-file");
    writeFileSync(blocked, "");
    expect(run(file, blocked)).toEqual({ answer: 42, cache: "absent" });
    expect(run(file, dir, "pull", { TOCI_CODE_CACHE: "0" })).toEqual({ answer: 42, cache: "off" });
    expect(cacheFiles(dir)).toEqual([]);
  });

  it("the shipped bin: runs through a corrupt cache and an impossible cache directory, and repairs the cache", async () => {
    const home = mkdtempSync(join(tmpdir(), "toci-cc-bin-"));
    const first = await toci(["--help"], { env: { XDG_CACHE_HOME: home } });
    expect(first.code).toBe(0);
    const [cache] = cacheFiles(home) as [string];
    expect(readFileSync(cache, "latin1").split("\n")[0]).toMatch(/^toci-v8-code-cache 1 [0-9a-f]{64} $/);
    const good = readFileSync(cache);
    writeFileSync(cache, Buffer.concat([good.subarray(0, good.length - 10), Buffer.alloc(10, 0xaa)]));
    expect(isWhole(cache)).toBe(false);
    const again = await toci(["--help"], { env: { XDG_CACHE_HOME: home } });
    expect(again).toEqual(first);
    expect(isWhole(cache)).toBe(true);
    const blocked = join(home, "a-file");
    writeFileSync(blocked, "");
    expect(await toci(["--help"], { env: { XDG_CACHE_HOME: blocked } })).toEqual(first);
  });
});
