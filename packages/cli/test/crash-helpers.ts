// What the crash tests share: a seeded PRNG for kill schedules, the checks of a layout after a kill, and the bytes
// the fault proxy served.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImageFixture } from "@toci/testkit/fixtures";
import { startFaultProxy } from "@toci/testkit/proxy";
import { afterAll, beforeAll, expect } from "vitest";
import { registries } from "./helpers.js";

export type FaultProxy = Awaited<ReturnType<typeof startFaultProxy>>;

/** What a crash test file works with: a fault proxy before the plain registry, temp dirs, an empty docker config. */
export interface CrashHarness {
  readonly proxy: FaultProxy;
  readonly dockerConfig: string;
  /** A new temp dir, removed after the file's tests. */
  temp(prefix: string): Promise<string>;
}

/** Sets up (beforeAll) and tears down (afterAll) a {@link CrashHarness}; temp dirs are named `<prefix>-…`. */
export function crashHarness(prefix: string): CrashHarness {
  let proxy: FaultProxy | undefined;
  let dockerConfig = "";
  const dirs: string[] = [];
  const temp = async (name: string) => {
    const d = await mkdtemp(join(tmpdir(), name));
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: registries().plain.url });
    dockerConfig = await temp(`${prefix}-dc-`);
  });
  afterAll(async () => {
    await proxy?.stop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  return {
    get proxy() {
      if (!proxy) throw new Error("the crash harness is not set up yet");
      return proxy;
    },
    get dockerConfig() {
      return dockerConfig;
    },
    temp,
  };
}

/** A small seeded PRNG so a failing kill schedule can be replayed (the seed is printed). */
export function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest("hex");
}

/** Every blob in the layout hashes to its name; index.json parses; returns the number of blobs. */
export async function verifyLayout(dir: string): Promise<number> {
  const names = await readdir(join(dir, "blobs", "sha256"));
  for (const hex of names) expect(await sha256File(join(dir, "blobs", "sha256", hex))).toBe(hex);
  const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8"));
  expect(Array.isArray(index.manifests)).toBe(true);
  return names.length;
}

/**
 * What a pull into `dir` still has to download: every blob of the image not yet in blobs/, less the longest
 * partial of it that ingest/ holds (store-fs names them `sha256-<hex>…` and resumes the longest).
 */
export async function missingBytes(dir: string, fixture: ImageFixture): Promise<number> {
  const have = new Set(await readdir(join(dir, "blobs", "sha256")).catch(() => [] as string[]));
  const ingest = await readdir(join(dir, "ingest")).catch(() => [] as string[]);
  let missing = 0;
  for (const { descriptor } of fixture.blobs) {
    const hex = descriptor.digest.slice("sha256:".length);
    if (have.has(hex)) continue;
    let partial = 0;
    for (const name of ingest.filter((n) => n.startsWith(`sha256-${hex}`))) {
      const info = await stat(join(dir, "ingest", name)).catch(() => undefined);
      if (info?.isFile()) partial = Math.max(partial, info.size);
    }
    missing += descriptor.size - partial;
  }
  return missing;
}

/** Response bytes the proxy sent for GET requests, from the `from`-th request recorded on. */
export const getBytes = (proxy: FaultProxy, from = 0) =>
  proxy.requests
    .slice(from)
    .filter((r) => r.method === "GET")
    .reduce((n, r) => n + r.bytesOut, 0);

/** Blob bytes the proxy sent (GET /blobs/sha256:…), from the `from`-th request recorded on. */
export const blobBytesOut = (proxy: FaultProxy, from = 0) =>
  proxy.requests
    .slice(from)
    .filter((r) => r.method === "GET" && /\/blobs\/sha256:/.test(r.path))
    .reduce((n, r) => n + r.bytesOut, 0);
