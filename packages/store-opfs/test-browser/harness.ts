// The Node side of the browser tests that pull: a real registry (distribution 2.8.2, testkit) behind the testkit's
// fault proxy with CORS on (the test page is on another origin), fixture images pushed once, and vitest browser
// commands through which a test in Chromium scripts faults and reads what the registry was asked. Loaded by
// vitest.config.ts, in the vitest process; the globalSetup stops what it started.
import { type Descriptor, OCI_LAYER_GZIP } from "@toci/spec-types";
import { type Fixture, ociImage, pushFixture } from "@toci/testkit/fixtures";
import { cutAfter, type FaultAction, type FaultProxy, startFaultProxy } from "@toci/testkit/proxy";
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

/** vitest browser commands (the first argument is vitest's context, unused). */
export const commands = {
  async harness(): Promise<HarnessInfo> {
    return (await running()).info;
  },
  /** The next GET of `digest` is cut after `bytes`; every GET of it after that waits until release. */
  async cutThenHold(_ctx: unknown, digest: string, bytes: number): Promise<void> {
    const { proxy, holds } = await running();
    // Every matching rule applies to a request: the hold skips the one the cut takes.
    proxy.on({ method: "GET", path: digest, times: 1 }, cutAfter(bytes));
    proxy.on({ method: "GET", path: digest, skip: 1 }, hold(holds));
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
  const { registry, proxy, holds } = await started;
  for (const go of holds.splice(0)) go();
  await proxy.stop();
  await registry.stop();
}
