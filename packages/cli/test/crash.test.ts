// Crash consistency and multi-process concurrency through the real `toci` command (issue 9), CI-sized. `toci pull`
// and `toci push` of a 4-layer image are SIGKILLed at random moments mid-transfer, then run to completion: every
// blob in the layout verifies, index.json parses, skopeo reads the result, and the final run transfers exactly what
// was missing — measured three ways: what toci reports (`transferred` in --json), what the fault proxy in front of
// the registry saw, and what the layout held before the run. Env: TOCI_CRASH_KILLS (8; 40 under `npm run soak`),
// TOCI_CRASH_LAYER_MIB (16), TOCI_CRASH_SEED (replays a kill schedule; the seed is printed).
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { pushFixture, writeLargeLayerImage } from "@toci/testkit/fixtures";
import { delay } from "@toci/testkit/proxy";
import { describe, expect, it } from "vitest";
import { blobBytesOut, crashHarness, getBytes, missingBytes, prng, verifyLayout } from "./crash-helpers.js";
import { BIN, exec, tociJson } from "./helpers.js";

const LONG = process.env.TOCI_SOAK === "long";
const KILLS = Number(process.env.TOCI_CRASH_KILLS ?? (LONG ? 40 : 8));
const LAYER = Number(process.env.TOCI_CRASH_LAYER_MIB ?? 16) * 1024 * 1024;
const LAYERS = 4;
/** Pushes go in 4 MiB chunks (--chunk-size), so that kills land between acknowledged chunks as well as inside them. */
const CHUNK = 4 * 1024 * 1024;
const MiB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

const harness = crashHarness("toci-crash");

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `toci ...args` as a child process that can be killed; progress bars off, no docker config of the developer's. */
function toci(args: string[]): { proc: ChildProcess; done: Promise<Exit> } {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, DOCKER_CONFIG: harness.dockerConfig, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  proc.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  proc.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const done = new Promise<Exit>((resolve) =>
    proc.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { proc, done };
}

/**
 * Runs toci and SIGKILLs it once `moved()` (bytes through the proxy) has grown by `after`, so that every kill lands
 * mid-transfer, wherever that is (between or inside requests). Returns whether it was killed.
 */
async function runAndKill(args: string[], moved: () => number, after: number): Promise<boolean> {
  const { proc, done } = toci(args);
  const start = moved();
  const timer = setInterval(() => {
    if (moved() - start >= after) proc.kill("SIGKILL");
  }, 2);
  const { signal } = await done;
  clearInterval(timer);
  return signal === "SIGKILL";
}

const uploadBytesIn = (from = 0) =>
  harness.proxy.requests
    .slice(from)
    .filter((r) => /\/blobs\/uploads\//.test(r.path))
    .reduce((n, r) => n + r.bytesIn, 0);
const manifestPutBytes = (from = 0) =>
  harness.proxy.requests
    .slice(from)
    .filter((r) => r.method === "PUT" && /\/manifests\//.test(r.path))
    .reduce((n, r) => n + r.bytesIn, 0);

interface Summary {
  digest: string;
  bytes: number;
  transferred: number;
}

describe("crash consistency of `toci`", () => {
  it(`toci pull SIGKILLed ${KILLS} times completes, verifies, and the rerun downloads exactly what was missing`, async () => {
    const seed = Number(process.env.TOCI_CRASH_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const src = await harness.temp("toci-crash-src-");
    const fixture = await writeLargeLayerImage(src, { size: LAYER, layers: LAYERS, seed: "cli-crash-pull", tag: "v1" });
    const repo = `cli/crash-pull-${seed}-${Date.now()}`;
    await pushFixture(fixture, { url: harness.proxy.url, repo, tag: "v1" });
    const total = fixture.blobs.reduce((n, b) => n + b.descriptor.size, 0);
    let dir = await harness.temp("toci-crash-pull-");
    const argsFor = (store: string) => ["pull", `${harness.proxy.host}/${repo}:v1`, "--store", store];
    harness.proxy.clearRequests();
    let kills = 0;
    let completed = 0;
    for (let i = 0; i < KILLS; i++) {
      // Each kill lands somewhere in what is still missing, so every run is cut mid-transfer; once a layout has
      // (almost) everything, the loop goes on with a fresh one.
      let left = await missingBytes(dir, fixture);
      if (left < 1024 * 1024) {
        completed++;
        dir = await harness.temp("toci-crash-pull-");
        left = total;
      }
      if (await runAndKill(argsFor(dir), () => blobBytesOut(harness.proxy), Math.floor(random() * left * 0.9))) kills++;
    }
    const args = argsFor(dir);

    const missing = await missingBytes(dir, fixture);
    const before = harness.proxy.requests.length;
    const result = await tociJson<Summary>(args, { env: { DOCKER_CONFIG: harness.dockerConfig } });
    const served = getBytes(harness.proxy, before);
    const sent = blobBytesOut(harness.proxy);

    expect(result.digest).toBe(fixture.root.digest);
    expect(await verifyLayout(dir)).toBe(fixture.blobs.length);
    expect(JSON.parse(await exec("skopeo", ["inspect", `oci:${dir}:v1`])).Digest).toBe(fixture.root.digest);
    // The rerun's own account matches the wire, and the wire matches what the layout lacked: nothing held is
    // downloaded again (complete blobs skipped, partials resumed with Range from their last byte).
    expect(result.transferred).toBe(served);
    expect(result.transferred).toBe(missing);
    const extra = sent - (completed + 1) * (total - fixture.root.size);
    console.log(
      `toci pull crash loop (seed ${seed}): ${kills}/${KILLS} runs killed (${completed} layouts filled and restarted); ` +
        `the rerun downloaded ${MiB(result.transferred)} (${MiB(missing)} missing of ${MiB(total)}); ` +
        `all runs: ${MiB(sent)} of blobs for ${MiB(total * (completed + 1))} needed, ${MiB(extra)} re-transferred`,
    );
    // A kill loses only what was in flight on the 4 concurrent streams (socket buffers, unflushed writes).
    expect(extra).toBeLessThanOrEqual(kills * LAYERS * CHUNK);
  });

  it(`toci push SIGKILLed ${KILLS} times completes, and no acknowledged chunk is sent again`, async () => {
    const seed = Number(process.env.TOCI_CRASH_SEED ?? Date.now() % 100_000);
    const random = prng(seed + 1);
    const src = await harness.temp("toci-crash-push-");
    const fixture = await writeLargeLayerImage(src, { size: LAYER, layers: LAYERS, seed: "cli-crash-push", tag: "v1" });
    const total = fixture.blobs.reduce((n, b) => n + b.descriptor.size, 0);
    const repo = `cli/crash-push-${seed}-${Date.now()}`;
    const argsFor = (to: string) => [
      "push",
      `${harness.proxy.host}/${to}:v1`,
      "--store",
      src,
      "--from",
      "v1",
      "--chunk-size",
      `${CHUNK}`,
    ];
    /** What the registry lacks of the image in `to` (the manifest aside). */
    const lackingIn = async (to: string) => {
      let n = 0;
      for (const { descriptor } of fixture.blobs) {
        if (descriptor.digest === fixture.root.digest) continue;
        const head = await fetch(`${harness.proxy.url}/v2/${to}/blobs/${descriptor.digest}`, { method: "HEAD" });
        if (head.status !== 200) n += descriptor.size;
      }
      return n;
    };
    harness.proxy.clearRequests();
    let kills = 0;
    let completed = 0;
    let target = repo;
    for (let i = 0; i < KILLS; i++) {
      // Each kill lands somewhere in what the registry still lacks, or a little past it so that some runs finish:
      // the blobs go up at once, and on 2.8.2 a kill mid-PATCH costs every blob in flight its session, so runs cut
      // before the end may complete none. Once the registry has the whole image, the loop goes on in a new
      // repository.
      let left = await lackingIn(target);
      if (left === 0) {
        completed++;
        target = `${repo}-${completed}`;
        left = total - fixture.root.size;
      }
      if (await runAndKill(argsFor(target), () => uploadBytesIn(), Math.floor(random() * left * 1.2))) kills++;
    }
    const args = argsFor(target);
    // The rerun sends at most what the registry lacks (less what a session it can resume holds) and the manifest.
    const lacking = await lackingIn(target);
    const before = harness.proxy.requests.length;
    const result = await tociJson<Summary>(args, { env: { DOCKER_CONFIG: harness.dockerConfig } });
    expect(result.digest).toBe(fixture.root.digest);
    expect(result.transferred).toBe(uploadBytesIn(before) + manifestPutBytes(before));
    expect(result.transferred).toBeLessThanOrEqual(lacking + fixture.root.size);
    const sent = uploadBytesIn();

    // Per upload session: no PATCH starts below what the registry already acknowledged (202) on that session.
    const acked = new Map<string, number>();
    let resent = 0;
    let sessions = 0;
    let resumed = 0;
    for (const r of harness.proxy.requests) {
      if (r.method === "POST" && /\/blobs\/uploads\/(\?|$)/.test(r.path)) sessions++;
      const uuid = /\/blobs\/uploads\/([^/?]+)/.exec(r.path)?.[1];
      if (!uuid) continue;
      if (r.method === "GET" && r.status === 204) resumed++;
      const start = Number(/^(\d+)-/.exec(r.headers["content-range"] ?? "")?.[1]);
      if (r.method !== "PATCH" || Number.isNaN(start)) continue;
      if (start < (acked.get(uuid) ?? 0)) resent++;
      if (r.status === 202) acked.set(uuid, Math.max(acked.get(uuid) ?? 0, start + r.bytesIn));
    }
    expect(resent).toBe(0);
    const raw = await exec("skopeo", [
      "inspect",
      "--tls-verify=false",
      "--raw",
      `docker://${harness.proxy.host}/${target}:v1`,
    ]);
    expect(createHash("sha256").update(raw).digest("hex")).toBe(fixture.root.digest.slice(7));
    const extra = sent - total * (completed + 1);
    console.log(
      `toci push crash loop (seed ${seed}): ${kills}/${KILLS} runs killed (${completed} images completed and restarted); ` +
        `the rerun uploaded ${MiB(result.transferred)} ` +
        `(the registry lacked ${MiB(lacking)}); ` +
        `all runs: ${MiB(sent)} for ${MiB(total * (completed + 1))} (${MiB(extra)} re-sent), ${sessions} sessions, ` +
        `${resumed} resumed after a kill`,
    );
    // distribution 2.8.2 cancels a session whose `_state` offset no longer matches what it holds, which is what a
    // kill in the middle of a PATCH leaves (the partial body was appended): that blob starts over in a new session.
    // So the bound per kill is every blob in flight, not one chunk; sessions killed between chunks resume.
    expect(extra).toBeLessThanOrEqual(kills * LAYERS * LAYER);
  });
});

describe("concurrent `toci` processes", () => {
  it.each([2, 8])("%i processes pull overlapping images into one layout: all tags, all blobs verify", async (n) => {
    const src = await harness.temp("toci-conc-src-");
    // Three images sharing nothing but the layout; each process pulls two of them, so every pair overlaps.
    const repo = `cli/conc${n}-${Date.now()}`;
    const tags = ["a", "b", "c"];
    for (const [i, tag] of tags.entries()) {
      const fixture = await writeLargeLayerImage(join(src, tag), {
        size: 2 * 1024 * 1024,
        layers: 2,
        seed: `cli-conc-${i}`,
        tag,
      });
      await pushFixture(fixture, { url: harness.proxy.url, repo, tag });
    }
    const dir = await harness.temp("toci-conc-");
    const runs = Array.from({ length: n }, (_, i) => [
      toci(["pull", `${harness.proxy.host}/${repo}:${tags[i % 3]}`, "--store", dir]).done,
      toci(["pull", `${harness.proxy.host}/${repo}:${tags[(i + 1) % 3]}`, "--store", dir]).done,
    ]).flat();
    const results = await Promise.all(runs);
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    expect(await verifyLayout(dir)).toBe(3 * 4); // 3 × (manifest + config + 2 layers)
    const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8"));
    const names = index.manifests.map(
      (m: { annotations?: Record<string, string> }) => m.annotations?.["org.opencontainers.image.ref.name"],
    );
    expect(names.sort()).toEqual(tags);
    for (const tag of tags) await exec("skopeo", ["inspect", `oci:${dir}:${tag}`]);
  });

  it("a pull survives `toci layout gc` run in another process before it names its root", async () => {
    const src = await harness.temp("toci-gc-race-src-");
    const fixture = await writeLargeLayerImage(src, { size: 1024 * 1024, layers: 2, seed: "cli-gc-race", tag: "v1" });
    const repo = `cli/gc-race-${Date.now()}`;
    await pushFixture(fixture, { url: harness.proxy.url, repo, tag: "v1" });
    const dir = await harness.temp("toci-gc-race-");
    // The second layer comes late: by then the config and the first layer are in the layout, reachable from nothing.
    const late = fixture.layers[1]!;
    harness.proxy.on({ method: "GET", path: `/blobs/${late.digest}`, times: 1 }, delay(2_500));
    const pull = toci(["pull", `${harness.proxy.host}/${repo}:v1`, "--store", dir]).done;
    const early = join(dir, "blobs", "sha256", fixture.layers[0]!.digest.slice(7));
    while (!(await stat(early).catch(() => undefined))) await new Promise((r) => setTimeout(r, 20));
    const gc = await toci(["layout", "gc", "--store", dir, "--json"]).done;
    expect(gc.stderr).toBe("");
    const pulled = await pull;
    expect(pulled.stderr).toBe("");
    expect(await verifyLayout(dir)).toBe(fixture.blobs.length);
    expect(JSON.parse(await exec("skopeo", ["inspect", `oci:${dir}:v1`])).Digest).toBe(fixture.root.digest);
  });

  it("8 processes push the same image at once: all succeed, the registry holds it byte-identical", async () => {
    const src = await harness.temp("toci-conc-push-");
    const fixture = await writeLargeLayerImage(src, {
      size: 3 * 1024 * 1024,
      layers: 2,
      seed: "cli-conc-push",
      tag: "v1",
    });
    const repo = `cli/conc-push-${Date.now()}`;
    const results = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          toci(["push", `${harness.proxy.host}/${repo}:v1`, "--store", src, "--from", "v1", "--chunk-size", "1MiB"])
            .done,
      ),
    );
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    const raw = await exec("skopeo", [
      "inspect",
      "--tls-verify=false",
      "--raw",
      `docker://${harness.proxy.host}/${repo}:v1`,
    ]);
    expect(createHash("sha256").update(raw).digest("hex")).toBe(fixture.root.digest.slice(7));
  });

  it("8 processes attach referrers to one subject at once: all 8 referrers are present", async () => {
    const src = await harness.temp("toci-conc-attach-src-");
    const fixture = await writeLargeLayerImage(src, { size: 1024, layers: 1, seed: "cli-conc-attach", tag: "v1" });
    const repo = `cli/conc-attach-${Date.now()}`;
    await pushFixture(fixture, { url: harness.proxy.url, repo, tag: "v1" });
    const files = await harness.temp("toci-conc-attach-");
    const results = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const file = join(files, `r${i}.txt`);
        await import("node:fs/promises").then((fs) => fs.writeFile(file, `attachment ${i}\n`));
        return toci([
          "attach",
          `${harness.proxy.host}/${repo}:v1`,
          file,
          "--artifact-type",
          "application/vnd.toci.test",
          "--annotation",
          `name=r${i}`,
        ]).done;
      }),
    );
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    // 2.8.2 has no referrers API: every process read-modify-wrote the one fallback tag `sha256-<hex>`.
    const { referrers } = await tociJson<{ referrers: { annotations?: Record<string, string> }[] }>(
      ["referrers", `${harness.proxy.host}/${repo}:v1`],
      { env: { DOCKER_CONFIG: harness.dockerConfig } },
    );
    expect(referrers.map((r) => r.annotations?.name).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `r${i}`));
  });
});
