// The Node side of the browser tests and the bench that pull: a real registry (distribution 2.8.2, testkit) behind
// the testkit's fault proxy with CORS on (the page is on another origin), fixture images pushed once, and vitest
// browser commands through which a test in Chromium scripts faults, reads what the registry was asked, or has Node
// pull the bench's image (bench/node-pull.mjs, a child process). Loaded by the vitest configs, in the vitest
// process; their globalSetup stops what it started.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Descriptor, OCI_LAYER_GZIP } from "@toci/spec-types";
import { type Fixture, ociImage, pushFixture, writeLargeLayerImage } from "@toci/testkit/fixtures";
import { corrupt, cutAfter, type FaultAction, type FaultProxy, startFaultProxy } from "@toci/testkit/proxy";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";

const MiB = 1024 * 1024;

/** One pushed image, as a test needs it. */
export interface PushedImage {
  repo: string;
  tag: string;
  root: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
}

/** What a browser test gets from {@link commands}.harness. */
export interface HarnessInfo {
  /** The fault proxy's URL (CORS on), in front of the registry. */
  registry: string;
  images: Record<"cut" | "a" | "b", PushedImage>;
}

/** What the proxy answered to one GET of a blob. */
export interface BlobGet {
  range: string | null;
  status: number;
  bytesOut: number;
  done: boolean;
}

interface Running {
  registry: RunningRegistry;
  proxy: FaultProxy;
  info: HarnessInfo;
  holds: (() => void)[];
  /** The bench's registry and image, started and pushed on first use; the layout's directory goes at the end. */
  bench?: Promise<Bench>;
}

const KEY = Symbol.for("toci:store-opfs:harness");
const state = globalThis as { [KEY]?: Promise<Running> };

// Two images that share their first layer (same seed, index and size), and one whose single layer is large enough
// to be cut mid-blob.
const FIXTURES: Record<keyof HarnessInfo["images"], Fixture & { config: Descriptor; layers: Descriptor[] }> = {
  cut: ociImage({ seed: "opfs-cut", layerSizes: [6 * MiB] }),
  a: ociImage({ seed: "opfs-overlap", layerSizes: [3 * MiB, 1 * MiB] }),
  b: ociImage({ seed: "opfs-overlap", layerSizes: [3 * MiB, 2 * MiB] }),
};

async function start(): Promise<Running> {
  const registry = await startRegistry({});
  const proxy = await startFaultProxy({ target: registry.url, cors: true });
  const images = {} as HarnessInfo["images"];
  for (const [key, fixture] of Object.entries(FIXTURES) as [keyof HarnessInfo["images"], (typeof FIXTURES)["a"]][]) {
    const repo = `tests/${key}`;
    await pushFixture(fixture, { url: registry.url, repo, tag: "v1" });
    images[key] = { repo, tag: "v1", root: fixture.root, config: fixture.config, layers: fixture.layers };
  }
  if (images.a.layers[0]?.digest !== images.b.layers[0]?.digest || images.a.layers[0]?.mediaType !== OCI_LAYER_GZIP) {
    throw new Error("the overlapping fixtures do not share their first layer");
  }
  return { registry, proxy, info: { registry: proxy.url, images }, holds: [] };
}

function running(): Promise<Running> {
  state[KEY] ??= start();
  return state[KEY];
}

/** Holds a request until {@link commands}.release: the pull waits there, mid-transfer. */
function hold(holds: (() => void)[]): FaultAction {
  return {
    name: "hold",
    request: () =>
      new Promise<boolean>((resolve) => {
        holds.push(() => resolve(false));
      }),
  };
}

/** What the bench pulls, from where. */
export interface Bench {
  /** A registry of its own that answers CORS itself (no proxy between it and either pull). */
  registry: RunningRegistry;
  image: PushedImage;
  /** The layout the image was written to before the push. */
  dir: string;
}

/**
 * distribution's static response headers (`http.headers`, set through REGISTRY_* variables) make a registry without
 * auth answer CORS for any origin, preflights included: the bench's pulls then go straight to it, Node's and the
 * browser's alike, with no proxy in the way.
 */
const CORS_ENV = {
  "REGISTRY_HTTP_HEADERS_ACCESS-CONTROL-ALLOW-ORIGIN": '["*"]',
  "REGISTRY_HTTP_HEADERS_ACCESS-CONTROL-ALLOW-HEADERS": '["*"]',
  "REGISTRY_HTTP_HEADERS_ACCESS-CONTROL-EXPOSE-HEADERS":
    '["Docker-Content-Digest, Content-Range, Content-Length, Link, Location, WWW-Authenticate"]',
};

/** The bench's image: 4 layers of 64 MiB of random bytes (a 256 MiB image), written to a layout and pushed once. */
async function bench(run: Running): Promise<Bench> {
  run.bench ??= (async () => {
    const registry = await startRegistry({ env: CORS_ENV });
    const dir = await mkdtemp(join(tmpdir(), "toci-opfs-bench-"));
    const fixture = await writeLargeLayerImage(dir, { size: 64 * MiB, layers: 4, seed: "opfs-bench", tag: "v1" });
    await pushFixture(fixture, { url: registry.url, repo: "bench/big", tag: "v1" });
    const { root, config, layers } = fixture;
    return { registry, image: { repo: "bench/big", tag: "v1", root, config, layers }, dir };
  })();
  return run.bench;
}

/** One Node pull of the bench's image (bench/node-pull.mjs) into a fresh directory: its time and CPU time, ms. */
async function nodePullTimed(): Promise<{ ms: number; cpuMs: number }> {
  const { registry, image } = await bench(await running());
  const dir = await mkdtemp(join(tmpdir(), "toci-opfs-bench-node-"));
  try {
    const script = fileURLToPath(new URL("../bench/node-pull.mjs", import.meta.url));
    const args = [script, registry.url, image.repo, image.tag, dir];
    const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1024 * 1024 });
    return JSON.parse(stdout) as { ms: number; cpuMs: number };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** vitest browser commands (the first argument is vitest's context, unused). */
export const commands = {
  async harness(): Promise<HarnessInfo> {
    return (await running()).info;
  },
  /** The next GET of `digest` is cut after `bytes`; every GET of it after that waits until release. */
  async cutThenHold(_ctx: unknown, digest: string, bytes: number): Promise<void> {
    const { proxy, holds } = await running();
    // Every matching rule applies to a request: the hold skips the one the cut takes.
    // The cut waits 300 ms first: Chromium fails a body at once when its connection fails, dropping what it had
    // not read, and the resume this sets up needs the bytes before the cut to have reached the store.
    proxy.on({ method: "GET", path: digest, times: 1 }, cutAfter(bytes, { lingerMs: 300 }));
    proxy.on({ method: "GET", path: digest, skip: 1 }, hold(holds));
  },
  /** The GET of `digest` after the next `skip` is cut after `bytes` (a segment of a ranged download, say). */
  async cutGet(_ctx: unknown, digest: string, skip: number, bytes: number): Promise<void> {
    const { proxy } = await running();
    proxy.on({ method: "GET", path: digest, skip, times: 1 }, cutAfter(bytes, { lingerMs: 300 }));
  },
  /** Every GET of `digest` has one byte flipped at `offset`, until release. */
  async corruptBlob(_ctx: unknown, digest: string, offset: number): Promise<void> {
    const { proxy } = await running();
    proxy.on({ method: "GET", path: digest }, corrupt(offset));
  },
  /** Every GET of `digest` waits until release. */
  async holdBlob(_ctx: unknown, digest: string): Promise<void> {
    const { proxy, holds } = await running();
    proxy.on({ method: "GET", path: digest }, hold(holds));
  },
  /** Removes every rule and lets held requests through. */
  async release(): Promise<void> {
    const { proxy, holds } = await running();
    proxy.clearRules();
    for (const go of holds.splice(0)) go();
  },
  async allRequests(): Promise<string[]> {
    const { proxy } = await running();
    return proxy.requests.map((r) => `${r.method} ${r.path} ${r.status} ${r.bytesOut} ${r.headers.range ?? ""}`);
  },
  /** The bench's registry URL and image, pushed on first use. */
  async benchImage(): Promise<{ registry: string; image: PushedImage }> {
    const { registry, image } = await bench(await running());
    return { registry: registry.url, image };
  },
  /**
   * Pulls the bench's image with Node into a fresh fs store (bench/node-pull.mjs: nodeTransport, fsStore, what the
   * toci command uses), from the same registry; resolves the pull's own time in ms (the child's start excluded).
   */
  async nodePull(): Promise<number> {
    return (await nodePullTimed()).ms;
  },
  /** The same, with the Node process's CPU time during the pull (user + system, ms). */
  nodePullTimed: () => nodePullTimed(),
  async blobGets(_ctx: unknown, digest: string): Promise<BlobGet[]> {
    const { proxy } = await running();
    return proxy.requests
      .filter((r) => r.method === "GET" && r.path.includes(`/blobs/${digest}`))
      .map((r) => ({ range: r.headers.range ?? null, status: r.status, bytesOut: r.bytesOut, done: r.done }));
  },
};

/** Stops what the commands started (the globalSetup's teardown). */
export async function stopHarness(): Promise<void> {
  const started = state[KEY];
  delete state[KEY];
  if (!started) return;
  const { registry, proxy, holds, bench } = await started;
  for (const go of holds.splice(0)) go();
  const pushed = await bench?.catch(() => undefined);
  if (pushed) {
    await pushed.registry.stop();
    await rm(pushed.dir, { recursive: true, force: true });
  }
  await proxy.stop();
  await registry.stop();
}
