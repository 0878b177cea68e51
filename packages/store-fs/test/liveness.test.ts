// Liveness that does not lie (issue 19): the index lock, the writers' partials and the leases are another
// process's only while that process runs. A zombie (killed, not yet reaped by its parent) is dead, and a pid that
// now belongs to a process that started after the file was written is not its writer (internal/liveness.ts).
// Linux only: it is /proc that says so; elsewhere the store falls back to kill(pid, 0).
import { existsSync } from "node:fs";
import { readdir, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe as describeBytes, OCI_MANIFEST } from "@toci/spec-types";
import { bootId, bystander, processState, startTicks, unreaped } from "@toci/testkit/processes";
import { describePattern, expectCode, pattern } from "@toci/testkit/store-suite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsStore } from "../src/index.js";
import { partialFile, tempDir, writeRest } from "./helpers.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const MiB = 1024 * 1024;
let dir: string;
let dispose: () => Promise<void>;
const cleanups: (() => void)[] = [];
beforeEach(async () => {
  ({ dir, dispose } = await tempDir("toci-liveness-"));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await dispose();
});

/** Resumes `d` (pattern seed 11) from what the store holds, to the end; returns the offset it resumed from. */
async function finish(store: Awaited<ReturnType<typeof fsStore>>, d: Awaited<ReturnType<typeof describePattern>>) {
  const ingest = await store.ingest(d);
  const offset = ingest.offset;
  await writeRest(ingest, 11);
  return offset;
}

/** The first MiB of the pattern blob (seed 11), as a partial of it holds. */
const firstMiB = (size: number) => (pattern(size, 11).next().value as Uint8Array).slice(0, MiB);

describe.skipIf(!existsSync("/proc/self/stat"))("liveness", () => {
  it("resumes at once the partial of a writer killed but not yet reaped (a zombie)", async () => {
    const d = await describePattern(12 * MiB, 11);
    await fsStore(dir);
    const writer = await unreaped(process.execPath, [fixture("crasher.mjs"), dir, JSON.stringify(d), String(5 * MiB)]);
    cleanups.push(writer.release);
    await writer.zombie();
    const store = await fsStore(dir);
    const offset = await finish(store, d);
    expect(processState(writer.pid)).toBe("Z"); // still unreaped while the rerun resumed
    expect(offset).toBeGreaterThan(4 * MiB);
    expect(offset).toBeLessThanOrEqual(5 * MiB);
    expect((await readdir(join(dir, "ingest"))).filter((n) => n.startsWith("sha256-"))).toEqual([]);
  }, 60_000);

  it("loses at most 256 KiB of what a writer was told it took, at a SIGKILL (64 KiB chunks, awaited)", async () => {
    const d = await describePattern(12 * MiB, 11);
    await fsStore(dir);
    const before = 10 * MiB + 960 * 1024; // just short of a MiB boundary: the old 1 MiB buffer held 960 KiB here
    const writer = await unreaped(process.execPath, [
      fixture("crasher.mjs"),
      dir,
      JSON.stringify(d),
      String(before),
      String(64 * 1024),
    ]);
    cleanups.push(writer.release);
    await writer.zombie();
    const offset = await finish(await fsStore(dir), d);
    expect(offset).toBeGreaterThanOrEqual(before - 256 * 1024);
    expect(offset).toBeLessThanOrEqual(before);
  }, 60_000);

  it("breaks at once the index lock of a zombie", async () => {
    const store = await fsStore(dir, { lockTimeout: 3_000, staleLockAfter: 600_000 });
    const holder = await unreaped("sleep", ["300"]);
    cleanups.push(holder.release);
    process.kill(holder.pid, "SIGKILL");
    await holder.zombie();
    await writeFile(join(dir, "ingest", "index.json.lock"), `${holder.pid} ${Date.now()} ${hostname()} t`);
    const manifest = await describeBytes(new TextEncoder().encode("{}"), { mediaType: OCI_MANIFEST });
    await store.tag(manifest, "v1");
    expect((await store.list()).map((r) => r.digest)).toEqual([manifest.digest]);
  }, 30_000);

  it("lets gc free what a zombie leased", async () => {
    const store = await fsStore(dir);
    const content = new TextEncoder().encode("leased by a process that is now a zombie");
    const descriptor = await describeBytes(content);
    const present = await describeBytes(new TextEncoder().encode("present"));
    const ingest = await store.ingest(present);
    await ingest.write(new TextEncoder().encode("present"));
    await ingest.commit();
    const args = [fixture("leaser.mjs"), dir, JSON.stringify(descriptor), Buffer.from(content).toString("hex")];
    const leaser = await unreaped(process.execPath, [...args, JSON.stringify(present)]);
    cleanups.push(leaser.release);
    while (!leaser.output().includes("ready")) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await store.gc()).toEqual([]); // alive: its two blobs are kept
    process.kill(leaser.pid, "SIGKILL");
    await leaser.zombie();
    expect((await store.gc()).sort()).toEqual([descriptor.digest, present.digest].sort());
  }, 30_000);

  describe("a pid that now names another process", () => {
    let other: Awaited<ReturnType<typeof bystander>>;
    beforeEach(async () => {
      other = await bystander();
      cleanups.push(() => other.kill());
    });

    it("claims a partial whose writer's start time is not that of the process now holding its pid", async () => {
      const d = await describePattern(3 * MiB, 11);
      const store = await fsStore(dir);
      const held = firstMiB(d.size);
      const name = `${partialFile(dir, d.digest)}.${other.pid}-0a1b2c3d4e5f-s${Number(startTicks(other.pid)) - 1}-b${bootId()}`;
      await writeFile(name, held);
      expect(await finish(store, d)).toBe(1 * MiB);
    });

    it("claims an older toci's partial (pid only) when that pid's process started after the file was written", async () => {
      const d = await describePattern(3 * MiB, 11);
      const store = await fsStore(dir);
      const held = firstMiB(d.size);
      const name = `${partialFile(dir, d.digest)}.${other.pid}-0a1b2c3d4e5f`;
      await writeFile(name, held);
      // Written before the process started: not its writer, so abandoned.
      const hourAgo = new Date(Date.now() - 3_600_000);
      await utimes(name, hourAgo, hourAgo);
      expect(await finish(store, d)).toBe(1 * MiB);
    });

    it("leaves alone an older toci's partial (pid only) written after its process started: a live writer's", async () => {
      const d = await describePattern(3 * MiB, 11);
      const store = await fsStore(dir);
      const name = `${partialFile(dir, d.digest)}.${other.pid}-0a1b2c3d4e5f`;
      await new Promise((resolve) => setTimeout(resolve, 2_100)); // past the start-time margin
      await writeFile(name, firstMiB(d.size));
      expect(await finish(store, d)).toBe(0);
      expect(existsSync(name)).toBe(true);
      await store.gc();
      expect(existsSync(name)).toBe(true); // gc does not sweep a live writer's file either
    });

    it("breaks a lock whose holder's pid now belongs to a process that started later", async () => {
      const store = await fsStore(dir, { lockTimeout: 2_000, staleLockAfter: 7_200_000 });
      const lock = join(dir, "ingest", "index.json.lock");
      const manifest = await describeBytes(new TextEncoder().encode("{}"), { mediaType: OCI_MANIFEST });
      // Written by this toci, with the start time of another process.
      const wrongStart = Number(startTicks(other.pid)) - 1;
      await writeFile(lock, `${other.pid} ${Date.now()} ${hostname()} t ${wrongStart} ${bootId()}`);
      await store.tag(manifest, "a");
      // Written by an older toci an hour ago, before the process that now has the pid started.
      await writeFile(lock, `${other.pid} ${Date.now() - 3_600_000} ${hostname()} t`);
      await store.tag(manifest, "b");
      // A lock the process really holds (its own start time) is waited for.
      await writeFile(lock, `${other.pid} ${Date.now()} ${hostname()} t ${startTicks(other.pid)} ${bootId()}`);
      await expectCode(store.tag(manifest, "c"), "STORE");
    }, 30_000);

    it("ignores the leases of a process whose pid is now another's", async () => {
      const store = await fsStore(dir);
      const content = new TextEncoder().encode("leased by a process long gone");
      const descriptor = await describeBytes(content);
      const ingest = await store.ingest(descriptor);
      await ingest.write(content);
      await ingest.commit();
      const leases = join(dir, "ingest", "leases");
      const header = `host ${hostname()}\nprocess ${Number(startTicks(other.pid)) - 1} ${bootId()}\n`;
      await writeFile(join(leases, `${other.pid}-0a1b2c3d4e5f`), `${header}${descriptor.digest} ${Date.now()}\n`);
      expect(await store.gc()).toEqual([descriptor.digest]);
    });
  });
});
