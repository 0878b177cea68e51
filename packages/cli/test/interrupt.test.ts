// Ctrl-C during a pull stops cleanly (exit 130, the partial download kept in the layout's ingest/), and running
// the same command again resumes and completes it.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeLargeLayerImage } from "@toci/testkit/fixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { BIN, registries, tempDir, toci } from "./helpers.js";

const { plain } = registries();
const repo = `${plain.host}/cli/interrupt`;
const SIZE = 64 * 1024 * 1024;

let layout: string;

beforeAll(async () => {
  layout = tempDir();
  await writeLargeLayerImage(layout, { size: SIZE, seed: "cli-interrupt", tag: "big" });
  const pushed = await toci(["push", `${repo}:v1`, "--store", layout, "--from", "big"]);
  expect(pushed.stderr).toBe("");
}, 120_000);

/** Whether the layout remembers an upload session (the client writes it as the upload goes). */
function remembered(uploads: string): boolean {
  return existsSync(uploads) && readdirSync(uploads).length > 0;
}

/** Bytes of partial downloads in a layout's ingest/ directory. */
function partialBytes(store: string): number {
  const dir = join(store, "ingest");
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const name of readdirSync(dir)) {
    try {
      const info = statSync(join(dir, name));
      if (info.isFile()) total += info.size;
    } catch {
      // renamed away meanwhile
    }
  }
  return total;
}

describe("Ctrl-C", () => {
  it("stops a pull cleanly, keeps the partial, and a rerun resumes it", async () => {
    const store = join(tempDir(), "store");
    const child = spawn(process.execPath, [BIN, "pull", `${repo}:v1`, "--store", store], {
      env: { ...process.env, DOCKER_CONFIG: tempDir() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    // Interrupt once the layer is partly down.
    let done = false;
    void exited.then(() => {
      done = true;
    });
    while (!done && partialBytes(store) < 1024 * 1024) await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toContain("interrupted");
    expect(stderr).not.toMatch(/\n\s+at /);
    const kept = partialBytes(store);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(SIZE);
    const rerun = await toci(["pull", `${repo}:v1`, "--store", store, "--json"]);
    expect(rerun.stderr).toBe("");
    expect(JSON.parse(rerun.stdout).bytes).toBeGreaterThan(SIZE);
    expect(partialBytes(store)).toBe(0);
    const ls = await toci(["layout", "ls", "--store", store]);
    expect(ls.stdout).toContain(`${repo}:v1`);
  }, 60_000);

  it("stops a push cleanly, keeps the upload session, and a rerun completes it", async () => {
    const uploads = join(layout, "ingest", "uploads");
    const child = spawn(process.execPath, [BIN, "push", `${repo}-push:v1`, "--store", layout, "--from", "big"], {
      env: { ...process.env, DOCKER_CONFIG: tempDir() },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    let done = false;
    void exited.then(() => {
      done = true;
    });
    // Interrupt once the upload session is remembered in the layout.
    while (!done && !remembered(uploads)) await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(readdirSync(uploads).length).toBe(1);
    // The rerun asks the registry where the remembered session stands and continues it, or starts the blob over
    // when the registry no longer has it (seen with distribution after a PATCH cut mid-body); either way it completes.
    const rerun = await toci(["push", `${repo}-push:v1`, "--store", layout, "--from", "big"]);
    expect(rerun.stderr).toBe("");
    expect(rerun.code).toBe(0);
    expect(readdirSync(uploads)).toEqual([]);
    expect((await toci(["resolve", `${repo}-push:v1`])).stdout.trim()).toMatch(/^sha256:/);
  }, 60_000);
});
