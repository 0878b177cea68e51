// Kill, then rerun at once (issue 19). `toci pull` is SIGKILLed mid-transfer while its parent does not reap it (as
// a shell or a supervisor busy elsewhere does not, for a while): the killed process is a zombie when the rerun
// starts, and its pid still answers kill(pid, 0). The rerun must see it as dead and resume every partial it left:
// each blob's GET starts (Range) where its partial ends, and the rerun downloads exactly what the layout lacked.
// Each round also measures what the kill lost: blob bytes the registry sent in the killed run that the layout did
// not hold afterwards (in socket buffers, in the transport's read-ahead, in the store's write buffer).
// Env: TOCI_CRASH_RERUNS (rounds, 20), TOCI_CRASH_RERUN_LAYER_MIB (8), TOCI_CRASH_SEED (replays a kill schedule).
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { type ImageFixture, pushFixture, writeLargeLayerImage } from "@toci/testkit/fixtures";
import { processState, unreaped } from "@toci/testkit/processes";
import { describe, expect, it } from "vitest";
import { blobBytesOut, crashHarness, getBytes, missingBytes, prng, verifyLayout } from "./crash-helpers.js";
import { BIN, tociJson } from "./helpers.js";

const ROUNDS = Number(process.env.TOCI_CRASH_RERUNS ?? 20);
const LAYER = Number(process.env.TOCI_CRASH_RERUN_LAYER_MIB ?? 8) * 1024 * 1024;
const LAYERS = 4;
const MiB = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;

const harness = crashHarness("toci-rerun");

/** The length of the longest partial of each blob in the layout's ingest/ (store-fs names them `sha256-<hex>…`). */
async function partials(dir: string, fixture: ImageFixture): Promise<Map<string, number>> {
  const names = await readdir(join(dir, "ingest")).catch(() => [] as string[]);
  const out = new Map<string, number>();
  for (const { descriptor } of fixture.blobs) {
    for (const name of names.filter((n) => n.startsWith(`sha256-${descriptor.digest.slice(7)}`))) {
      const info = await stat(join(dir, "ingest", name)).catch(() => undefined);
      if (info?.isFile() && info.size > (out.get(descriptor.digest) ?? 0)) out.set(descriptor.digest, info.size);
    }
  }
  return out;
}

/** Starts `toci pull` under a parent that never reaps it, and SIGKILLs it once the proxy sent `after` blob bytes. */
async function pullAndKill(
  args: string[],
  after: number,
): Promise<{ pid: number; killed: boolean; release: () => void }> {
  const env = { ...process.env, DOCKER_CONFIG: harness.dockerConfig, NO_COLOR: "1" };
  const from = harness.proxy.requests.length;
  const run = await unreaped(process.execPath, [BIN, ...args], { env });
  while (blobBytesOut(harness.proxy, from) < after && processState(run.pid) !== "Z") {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const killed = processState(run.pid) !== "Z";
  if (killed) process.kill(run.pid, "SIGKILL");
  await run.zombie(); // dead, and nobody reaped it
  return { pid: run.pid, killed, release: run.release };
}

describe.skipIf(!existsSync("/proc/self/stat"))("kill and rerun at once", () => {
  it(`toci pull SIGKILLed and rerun before the kill is reaped, ${ROUNDS} rounds: every partial resumes`, async () => {
    const seed = Number(process.env.TOCI_CRASH_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const src = await harness.temp("toci-rerun-src-");
    const fixture = await writeLargeLayerImage(src, { size: LAYER, layers: LAYERS, seed: "cli-rerun", tag: "v1" });
    const repo = `cli/rerun-${seed}-${Date.now()}`;
    await pushFixture(fixture, { url: harness.proxy.url, repo, tag: "v1" });
    const layers = fixture.blobs.filter((b) => b.descriptor.digest !== fixture.root.digest);
    const total = layers.reduce((n, b) => n + b.descriptor.size, 0);
    let kills = 0;
    let lost = 0;
    let resumed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const dir = await harness.temp("toci-rerun-");
      const args = ["pull", `${harness.proxy.host}/${repo}:v1`, "--store", dir];
      const from = harness.proxy.requests.length;
      const killedRun = await pullAndKill(args, Math.floor((0.05 + random() * 0.85) * total));
      try {
        // What the killed run was sent but the layout does not hold: lost to the kill.
        const missing = await missingBytes(dir, fixture);
        const held = await partials(dir, fixture);
        if (killedRun.killed) kills++;
        lost += blobBytesOut(harness.proxy, from) - (total - (await missingBytes(dir, { ...fixture, blobs: layers })));
        const before = harness.proxy.requests.length;
        const result = await tociJson<{ transferred: number }>(args, { env: { DOCKER_CONFIG: harness.dockerConfig } });
        // The rerun ran beside the unreaped zombie, and took up each partial from its last byte.
        expect(processState(killedRun.pid)).toBe("Z");
        for (const [digest, length] of held) {
          const gets = harness.proxy.requests
            .slice(before)
            .filter((r) => r.method === "GET" && r.path.endsWith(digest));
          // A partial that holds the whole blob (killed before its rename) needs no request at all.
          const size = fixture.blobs.find((b) => b.descriptor.digest === digest)?.descriptor.size;
          expect(gets.map((r) => r.headers.range)).toEqual(length === size ? [] : [`bytes=${length}-`]);
          resumed++;
        }
        expect(result.transferred).toBe(missing);
        expect(getBytes(harness.proxy, before)).toBe(missing);
        expect(await verifyLayout(dir)).toBe(fixture.blobs.length);
      } finally {
        killedRun.release();
      }
    }
    console.log(
      `toci pull killed and rerun at once (seed ${seed}): ${kills}/${ROUNDS} runs killed mid-transfer, ` +
        `${resumed} partials resumed; lost to the kills ${MiB(lost)} in all, ${MiB(lost / Math.max(kills, 1))} per kill ` +
        `(${LAYERS} blobs in flight)`,
    );
    expect(kills).toBeGreaterThan(ROUNDS / 2);
  }, 600_000);
});
