// Load (issue 9): pulls and pushes against the local registry, `concurrency` at a time, for a bounded time. Zero
// failures without injected faults; no leaked file handles or sockets (/proc/self/fd counted before and after);
// RSS stable (second half against first half). CI runs a short form; `npm run soak -w @toci/client` the long
// one. Env: TOCI_SOAK_OPS (CI 96, long 2000), TOCI_SOAK_CONCURRENCY (16), TOCI_SOAK_SECONDS (CI 30, long 600).
import { readdir } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { describe as describeContent } from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { memoryStore } from "@toci/store-memory";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, newClient, registries, uniqueRepo } from "./helpers.js";

const LONG = process.env.TOCI_SOAK === "long";
const OPS = Number(process.env.TOCI_SOAK_OPS ?? (LONG ? 2000 : 96));
const CONCURRENCY = Number(process.env.TOCI_SOAK_CONCURRENCY ?? 16);
const SECONDS = Number(process.env.TOCI_SOAK_SECONDS ?? (LONG ? 600 : 30));

const fds = async () => (await readdir("/proc/self/fd")).length;
const socketFds = async () => {
  let n = 0;
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await import("node:fs/promises").then((fs) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => ""));
    if (target.startsWith("socket:")) n++;
  }
  return n;
};

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  const { mkdtemp, rm } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  dir = await mkdtemp(join(tmpdir(), "toci-soak-"));
  cleanup = () => rm(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await cleanup?.();
});

describe("soak", () => {
  it(
    `${OPS} pulls and pushes, ${CONCURRENCY} at a time, within ${SECONDS} s: zero failures, no leaks`,
    async () => {
      const url = registries().plain.url;
      const repo = uniqueRepo("soak");
      const fixture = ociImage({ seed: "soak", layerSizes: [256 * 1024, 64 * 1024] });
      await pushFixture(fixture, { url, repo, tag: "v1" });

      // Warm up once (module loading, the keep-alive pool) before counting handles.
      {
        const { client } = newClient(memoryStore());
        await collect(client.registry(url).repo(repo).pull("v1"));
        await client.close();
      }
      await sleep(100);
      const fdBefore = await fds();
      const socketsBefore = await socketFds();

      const store = await fsStore(dir);
      const { client, logger } = newClient(store, { concurrency: 4 });
      const registry = client.registry(url);
      const deadline = Date.now() + SECONDS * 1000;
      const rss: number[] = [];
      let next = 0;
      let done = 0;
      const failures: string[] = [];
      const worker = async () => {
        while (next < OPS && Date.now() < deadline) {
          const i = next++;
          try {
            if (i % 2 === 0) {
              const events = await collect(registry.repo(repo).pull("v1"));
              const last = events.at(-1);
              if (last?.type !== "progress" || last.percent !== 100)
                failures.push(`pull ${i}: ${JSON.stringify(last)}`);
            } else {
              const bytes = new TextEncoder().encode(`soak blob ${i} ${"x".repeat(i % 4096)}`);
              const desc = await describeContent(bytes);
              const events = await collect(registry.repo(`${repo}-push`).push(bytes, desc));
              const last = events.at(-1);
              if (last?.type !== "progress" || last.percent !== 100)
                failures.push(`push ${i}: ${JSON.stringify(last)}`);
            }
          } catch (error) {
            failures.push(`op ${i} threw: ${String(error)}`);
          }
          done++;
          if (done % 8 === 0) rss.push(process.memoryUsage().rss);
        }
      };
      const started = Date.now();
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const elapsed = (Date.now() - started) / 1000;
      await client.close();
      await sleep(200);
      const fdClosed = await fds();
      const socketsClosed = await socketFds();
      // fetch's keep-alive pool is Node's global one, not the transport's: its idle sockets close after undici's
      // keep-alive timeout (4 s), so a leak is what is still open after that.
      await sleep(4_500);
      const fdAfter = await fds();
      const socketsAfter = await socketFds();
      const half = Math.floor(rss.length / 2);
      const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      const [first, second] = [avg(rss.slice(0, half)), avg(rss.slice(half))];
      console.log(
        `soak: ${done} ops (${OPS} planned) in ${elapsed.toFixed(1)} s, concurrency ${CONCURRENCY}, ${failures.length} failures; ` +
          `fds ${fdBefore} → ${fdClosed} at close → ${fdAfter} 4.5 s later (sockets ${socketsBefore} → ${socketsClosed} → ${socketsAfter}); ` +
          `RSS ${(first / 2 ** 20).toFixed(0)} → ${(second / 2 ** 20).toFixed(0)} MiB`,
      );
      expect(failures).toEqual([]);
      expect(logger.errors).toEqual([]);
      expect(done).toBeGreaterThanOrEqual(Math.min(OPS, 32));
      // File handles are all closed at client.close(); sockets once the pool's idle ones expire.
      expect(fdClosed - socketsClosed).toBeLessThanOrEqual(fdBefore - socketsBefore);
      expect(socketsAfter).toBeLessThanOrEqual(socketsBefore);
      expect(fdAfter).toBeLessThanOrEqual(fdBefore);
      if (rss.length >= 4) expect(second).toBeLessThan(first * 1.5 + 32 * 2 ** 20);
    },
    (SECONDS + 60) * 1000,
  );
});
