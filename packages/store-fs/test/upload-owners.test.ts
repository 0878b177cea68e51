// Upload sessions remembered in a layout that several processes share (internal/upload-state.ts): a session another
// live process is sending on reads as nothing; once that process is gone, it is resumed.
import { spawn } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fsStore } from "../src/index.js";
import { tempDir } from "./helpers.js";

const KEEPER = fileURLToPath(new URL("./fixtures/session-keeper.mjs", import.meta.url));
const LOCATION = "http://127.0.0.1:5000/v2/x/blobs/uploads/other";
let dir: string;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ dir, dispose } = await tempDir("toci-upload-owners-"));
});
afterEach(async () => {
  await dispose();
});

/** Starts a process that remembers a session for `key` and stays alive; resolves once it has written it. */
async function startKeeper(key: string) {
  const child = spawn(process.execPath, [KEEPER, dir, key, LOCATION]);
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d) => String(d).includes("ready") && resolve());
    child.on("exit", (code) => reject(new Error(`keeper exited ${code}: ${stderr}`)));
  });
  return {
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

describe("upload sessions shared through one layout", () => {
  it("a session another live process remembers is not handed out; after that process dies it is", async () => {
    const store = await fsStore(dir);
    const keeper = await startKeeper("sha256:abc@repo");
    expect(await store.getUpload("sha256:abc@repo")).toBeUndefined();
    await keeper.kill();
    expect(await store.getUpload("sha256:abc@repo")).toMatchObject({ location: LOCATION, offset: 1024 });
  }, 30_000);

  it("this process's own sessions, and records an earlier toci wrote without an owner, are handed out", async () => {
    const store = await fsStore(dir);
    await store.setUpload("mine", { location: LOCATION, offset: 7, updatedAt: 1 });
    expect(await store.getUpload("mine")).toEqual({ location: LOCATION, offset: 7, updatedAt: 1 });

    // The same record as an earlier toci wrote it (no owner): judged resumable, as before.
    const [file] = await readdir(join(dir, "ingest", "uploads"));
    const path = join(dir, "ingest", "uploads", file as string);
    const { owner, ...old } = JSON.parse(await readFile(path, "utf8"));
    expect(owner.pid).toBe(process.pid);
    await writeFile(path, JSON.stringify(old));
    expect(await store.getUpload("mine")).toEqual({ location: LOCATION, offset: 7, updatedAt: 1 });

    // An owner that names no process (hostile or damaged) does not hide the record either.
    await writeFile(path, JSON.stringify({ ...old, owner: { pid: "x; rm -rf /" } }));
    expect(await store.getUpload("mine")).toEqual({ location: LOCATION, offset: 7, updatedAt: 1 });
  });
});
