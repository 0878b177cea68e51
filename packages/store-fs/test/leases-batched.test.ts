// Leases taken a graph at a time (leaseBlobs, what a pull calls before it looks for any blob): one record for the
// whole graph, no record per blob checked or written after it, and gc in another process still keeps every blob.
import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe as describeBytes } from "@toci/spec-types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsStore } from "../src/index.js";
import { putBytes, tempDir } from "./helpers.js";

const LEASER = fileURLToPath(new URL("./fixtures/graph-leaser.mjs", import.meta.url));
let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir, dispose } = await tempDir("toci-leases-batched-"));
});
afterEach(async () => {
  await dispose();
});

const bytes = (text: string) => new TextEncoder().encode(text);

/** The lines of this process's lease file. */
async function ownLeaseLines(): Promise<string[]> {
  const leases = join(dir, "ingest", "leases");
  const [file] = (await readdir(leases)).filter((f) => f.startsWith(`${process.pid}-`));
  return (await readFile(join(leases, file!), "utf8")).split("\n").filter(Boolean);
}

describe("leases of a graph", () => {
  it("one record for the graph: the blobs checked and written after it add none", async () => {
    const store = await fsStore(dir);
    const contents = ["one", "two", "three"].map((s) => bytes(`a blob of the graph: ${s}`));
    const descriptors = await Promise.all(contents.map((c) => describeBytes(c)));
    await store.leaseBlobs(descriptors.map((d) => d.digest));
    const lines = await ownLeaseLines();
    for (const [i, content] of contents.entries()) {
      expect(await store.exists(descriptors[i]!)).toBe(false);
      await putBytes(store, content);
    }
    expect(await ownLeaseLines()).toEqual(lines);
    // The host and process lines, then one line per blob.
    expect(lines.slice(2).map((l) => l.split(" ")[0])).toEqual(descriptors.map((d) => d.digest));
  });

  it("gc in another process keeps every blob of a leased graph while the leasing process lives", async () => {
    const store = await fsStore(dir);
    const graph = await Promise.all(["a", "b", "c"].map((s) => putBytes(store, bytes(`in flight: ${s}`))));
    const child = spawn(process.execPath, [LEASER, dir, JSON.stringify(graph.map((d) => d.digest))]);
    const exited = new Promise((resolve) => child.on("exit", resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d) => String(d).includes("ready") && resolve());
        child.on("exit", (code) => reject(new Error(`graph-leaser exited ${code}`)));
      });
      expect(await store.gc()).toEqual([]);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    expect((await store.gc()).sort()).toEqual(graph.map((d) => d.digest).sort());
  }, 30_000);
});
