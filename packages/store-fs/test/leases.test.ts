// gc() in one process and a pull in another: the pull's blobs, written or found before it names its root, are
// leased, and gc leaves them alone while the pulling process lives (internal/leases.ts).
import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe as describeBytes } from "@toci/spec-types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsStore } from "../src/index.js";
import { putBytes, tempDir } from "./helpers.js";

const LEASER = fileURLToPath(new URL("./fixtures/leaser.mjs", import.meta.url));
let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir, dispose } = await tempDir("toci-leases-"));
});
afterEach(async () => {
  await dispose();
});

const bytes = (text: string) => new TextEncoder().encode(text);

/** Starts the leaser child and resolves once it has committed its blob and checked the present one. */
async function startLeaser(committed: Uint8Array, present: object) {
  const descriptor = await describeBytes(committed);
  const child = spawn(process.execPath, [
    LEASER,
    dir,
    JSON.stringify(descriptor),
    Buffer.from(committed).toString("hex"),
    JSON.stringify(present),
  ]);
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d) => String(d).includes("ready") && resolve());
    child.on("exit", (code) => reject(new Error(`leaser exited ${code}: ${stderr}`)));
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const kill = async () => {
    child.kill("SIGKILL");
    await exited;
  };
  return { descriptor, kill };
}

describe("leases", () => {
  it("gc keeps what a live process committed or found present, and frees it once that process is gone", async () => {
    const store = await fsStore(dir);
    const present = await putBytes(store, bytes("unreachable, found present by the other process"));
    const mine = await putBytes(store, bytes("unreachable, written by this process"));
    const leaser = await startLeaser(bytes("unreachable, written by the other process"), present);

    const removed = await store.gc();
    // This process's own blob goes (its leases do not bind its own gc); the other process's two stay.
    expect(removed).toEqual([mine.digest]);
    expect(await store.exists(leaser.descriptor)).toBe(true);
    expect(await store.exists(present)).toBe(true);

    await leaser.kill();
    const after = await store.gc();
    expect(after.sort()).toEqual([leaser.descriptor.digest, present.digest].sort());
    // The dead process's lease file went with it.
    const files = await readdir(join(dir, "ingest", "leases"));
    expect(files.every((f) => f.startsWith(`${process.pid}-`))).toBe(true);
  }, 30_000);

  it("close() ends a store's leases: its file goes, and another store's gc may take the blobs", async () => {
    const writer = await fsStore(dir);
    const collector = await fsStore(dir);
    const written = await putBytes(writer, bytes("leased by the writer store"));
    expect(await collector.gc()).toEqual([]); // another instance's live lease binds it, even in one process
    await writer.close();
    expect(await readdir(join(dir, "ingest", "leases"))).toEqual([]);
    expect(await collector.gc()).toEqual([written.digest]);
  });

  it("a lease older than leaseTtl does not bind gc", async () => {
    const store = await fsStore(dir);
    const present = await putBytes(store, bytes("present"));
    const leaser = await startLeaser(bytes("leased a moment ago"), present);
    try {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const strict = await fsStore(dir, { leaseTtl: 10 });
      expect((await strict.gc()).sort()).toEqual([leaser.descriptor.digest, present.digest].sort());
    } finally {
      await leaser.kill();
    }
  }, 30_000);

  it("a blob checked again soon is not leased again; a long-running process's lease file stays small", async () => {
    const leaseFile = async () => {
      const [file] = (await readdir(join(dir, "ingest", "leases"))).filter((f) => f.startsWith(`${process.pid}-`));
      return (await stat(join(dir, "ingest", "leases", file!))).size;
    };
    const store = await fsStore(dir);
    const d = await putBytes(store, bytes("checked again and again"));
    const once = await leaseFile();
    for (let i = 0; i < 100; i++) await store.exists(d);
    expect(await leaseFile()).toBe(once); // still leased: no line written
    // Leases that expire at once are written every time: the file is compacted instead of growing.
    const brief = await fsStore(dir, { leaseTtl: 0 });
    await brief.exists(d);
    for (let i = 0; i < 5000; i++) await brief.exists(d);
    const files = (await readdir(join(dir, "ingest", "leases"))).filter((f) => f.startsWith(`${process.pid}-`));
    const sizes = await Promise.all(files.map(async (f) => (await stat(join(dir, "ingest", "leases", f))).size));
    // 5001 leases of one digest, ~85 bytes a line: without compaction over 400 kB.
    expect(Math.max(...sizes)).toBeLessThan(120 * 1024);
  }, 30_000);
});

describe("leases of another host, and a compacted lease file", () => {
  it("another host's lease binds gc by its age alone (its pid means nothing here)", async () => {
    const { mkdir, writeFile } = await import("node:fs/promises");
    const store = await fsStore(dir);
    const fresh = await putBytes(store, bytes("leased on another host, a moment ago"));
    const stale = await putBytes(store, bytes("leased on another host, two days ago"));
    const leasesDir = join(dir, "ingest", "leases");
    await mkdir(leasesDir, { recursive: true });
    const now = Date.now();
    // pid 2^22 + 1 is above Linux's pid_max: dead here, which must not matter for another host.
    await writeFile(
      join(leasesDir, "4194305-0123456789ab"),
      `host other-host.example\n${fresh.digest} ${now}\n${stale.digest} ${now - 2 * 86_400_000}\n`,
    );
    expect(await store.gc()).toEqual([stale.digest]);
    expect(await store.exists(fresh)).toBe(true);
    expect(await readdir(leasesDir)).toContain("4194305-0123456789ab");
  });

  it("close() removes the lease file even after a compaction closed its handle", async () => {
    const store = await fsStore(dir, { leaseTtl: 0 }); // every check writes a line, so the file gets compacted
    const d = await putBytes(store, bytes("checked until the file is compacted"));
    const file = async () => {
      const [name] = await readdir(join(dir, "ingest", "leases"));
      return (await stat(join(dir, "ingest", "leases", name!))).size;
    };
    // Check until a compaction has just happened (the file shrank): its handle is closed until the next lease.
    let size = await file();
    for (let i = 0; i < 5000; i++) {
      await store.exists(d);
      const now = await file();
      if (now < size) break;
      size = now;
    }
    expect(await file()).toBeLessThan(size);
    await store.close();
    expect(await readdir(join(dir, "ingest", "leases"))).toEqual([]);
  }, 30_000);
});
