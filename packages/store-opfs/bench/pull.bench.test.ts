/// <reference types="vite/client" />
// The bench of issue 18's table, in Chromium: a 256 MiB image (4 × 64 MiB layers) pulled from a local registry
// (distribution 2.8.2, answering CORS itself: test-browser/harness.ts) by the real client and fetch transport, on
// the page's main thread, into opfsStore and into indexedDbStore, and by Node into an fs store from the same
// registry (bench/node-pull.mjs, the toci command's transport and store), in the same rounds, their order rotated.
// A fifth case pulls into OPFS from a dedicated worker (`@toci/store-opfs/in-worker`, the client in the worker too:
// README, "Pulling in a worker"), the page's long tasks measured meanwhile. Prints
// MB/s (10^6 bytes/s) per round, medians, ratios taken round by round, the page's long tasks during the OPFS pulls,
// and the bundle size. The pulls skip the HTTP cache (`cache: "no-store"`): registries let blobs be cached for a
// year, and a cached second round would say nothing about the store.
import { Client } from "@toci/client";
import { databaseName, indexedDbStore } from "@toci/store-indexeddb";
// The IndexedDB store's writer worker, as an app built with vite ships it.
import idbWorkerUrl from "@toci/store-indexeddb/worker?worker&url";
import { writerWorker } from "@toci/store-indexeddb/writer-worker";
import { fetchTransport } from "@toci/transport-fetch";
import { it } from "vitest";
import { commands as untyped } from "vitest/browser";
import { opfsStore } from "../dist/index.js";
import type { PushedImage } from "../test-browser/harness.js";
import { removeStore } from "../test-browser/suite-setup.js";
import type { BundleSize, BundleSizes } from "./bundle-size.js";
import { inWorker, timed } from "./page-timing.js";

declare const __BENCH_ROUNDS__: number;
declare const __BENCH_CASES__: string;
const commands = untyped as unknown as {
  benchImage(): Promise<{ registry: string; image: PushedImage }>;
  nodePull(): Promise<number>;
  bundleSizes(): Promise<BundleSizes>;
  writeFile(path: string, content: string): Promise<void>;
};

// idb: the IndexedDB store with its writer worker (the worker option); idb-page: without (ingests hashed and stored on the
// page, the default), for an A/B in one run.
type Case = "node" | "opfs" | "worker" | "idb" | "idb-page" | "read";
interface Run {
  round: number;
  case: Case;
  ms: number;
  mbps: number;
  longTasks: number[];
}

const noStore = fetchTransport({ fetch: (input, init) => fetch(input, { ...init, cache: "no-store" }) });

/**
 * The reference for the page: the same blobs through the same transport, read into one buffer and dropped (no
 * client, no store),
 * to tell what the store costs the main thread from what reading a response costs it on this machine.
 */
async function readOnly(registry: string, image: PushedImage) {
  return timed(async () => {
    for (const d of [image.config, ...image.layers, image.root]) {
      const kind = d === image.root ? "manifests" : "blobs";
      const url = `${registry}/v2/${image.repo}/${kind}/${d.digest}`;
      const response = await noStore.request({ method: "GET", url, headers: { accept: d.mediaType } });
      // Read as a pull reads a body: into one reused buffer (the transport's bodies are byte streams).
      const reader = response.body?.getReader({ mode: "byob" });
      let buffer = new ArrayBuffer(2 * 1024 * 1024);
      for (
        let r = await reader?.read(new Uint8Array(buffer));
        r && !r.done;
        r = await reader?.read(new Uint8Array(buffer))
      ) {
        buffer = r.value.buffer as ArrayBuffer;
      }
    }
  });
}

/** One browser pull into a fresh store; resolves its time and the page's long tasks meanwhile (ms each). */
async function browserPull(kind: "opfs" | "idb" | "idb-page", registry: string, image: PushedImage) {
  const name = `bench-${kind}-${Date.now()}`;
  const store =
    kind === "opfs"
      ? await opfsStore(name)
      : await indexedDbStore(name, kind === "idb" ? { worker: writerWorker(idbWorkerUrl) } : {});
  try {
    const client = new Client({ transport: noStore, store });
    return await timed(async () => {
      for await (const event of client.registry(registry).repo(image.repo).pull(image.tag)) {
        if (event.type === "failed") throw event.error;
      }
    });
  } finally {
    await store.close();
    if (kind === "opfs") await removeStore(name);
    else await new Promise((resolve) => (indexedDB.deleteDatabase(databaseName(name)).onsuccess = resolve));
  }
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

it("pulls 256 MiB into OPFS and IndexedDB in Chromium, next to Node into store-fs", async () => {
  const { registry, image } = await commands.benchImage();
  const bytes = [image.root, image.config, ...image.layers].reduce((n, d) => n + d.size, 0);
  const runs: Run[] = [];
  // CASES (a comma-separated list) picks the cases: all by default.
  const order = (__BENCH_CASES__ || "node,opfs,worker,idb-page,idb,read").split(",") as Case[];
  const run = async (kind: Case) => {
    if (kind === "node") return { ms: await commands.nodePull(), longTasks: [] };
    if (kind === "worker") {
      const target = { registry, image, store: `bench-worker-${Date.now()}` };
      return timed(() => inWorker("pull-opfs-inline", target));
    }
    return kind === "read" ? readOnly(registry, image) : browserPull(kind, registry, image);
  };
  for (let round = 0; round <= __BENCH_ROUNDS__; round++) {
    for (const kind of order.map((_, i) => order[(i + round) % order.length] as Case)) {
      const { ms, longTasks } = await run(kind);
      // Round 0 warms up (registry caches, the browser's first fetches, the Node child's file cache) and is dropped.
      if (round > 0) runs.push({ round, case: kind, ms, mbps: bytes / 1e3 / ms, longTasks });
    }
  }
  const bundle = await commands.bundleSizes();
  const lines = report(runs, bytes, bundle);
  console.log(lines.join("\n"));
  await commands.writeFile("bench-results/pull.json", JSON.stringify({ bytes, runs, bundle }, null, 2));
});

const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;

/** A bundle's row: page + worker, hash-wasm's JavaScript counted and left out whole (the budget's figure). */
function bundleRow(client: string, size: BundleSize, target: string): string {
  const { page, worker } = size.withoutHasher;
  return `| bundle: ${client} + transport-fetch + store-opfs, min+gzip, wasm excluded | page ${kb(size.page)} + worker ${kb(size.worker)} = ${kb(size.page + size.worker)} (${kb(size.wasmBase64)} of base64 wasm left out); hash-wasm left out whole: ${kb(page)} + ${kb(worker)} = ${kb(page + worker)} | | | ${target} |`;
}

function report(runs: Run[], bytes: number, bundle: BundleSizes): string[] {
  const of = (kind: Case) => runs.filter((r) => r.case === kind);
  const perRound = (a: Case, b: Case) =>
    of(a).map((r) => r.mbps / (of(b).find((s) => s.round === r.round)?.mbps ?? Number.NaN));
  const fmt = (xs: number[], digits = 0) => xs.map((x) => x.toFixed(digits)).join(" / ");
  const tasks = (kind: Case) => {
    const all = of(kind).flatMap((r) => r.longTasks);
    return `${all.length} (longest ${Math.max(0, ...all)} ms, ${all.reduce((n, d) => n + d, 0)} ms in all)`;
  };
  const opfsRow = (label: string, kind: Case) =>
    `| ${label} | ${fmt(of(kind).map((r) => r.mbps))} | ${median(of(kind).map((r) => r.mbps)).toFixed(0)} | ÷ Node ${fmt(perRound(kind, "node"), 2)} (${median(perRound(kind, "node")).toFixed(2)}); ÷ IndexedDB ${fmt(perRound(kind, "idb-page"), 2)} (${median(perRound(kind, "idb-page")).toFixed(2)}) | ≥ 0.4 × Node, ≥ 2.5 × IndexedDB |`;
  return [
    `${(bytes / 2 ** 20).toFixed(0)} MiB image, ${of("node").length} rounds (+1 warm-up), Chromium on-disk profile; MB/s = 10^6 bytes/s`,
    `| | MB/s per round | median | ratio per round (median) | target |`,
    `|---|---|---|---|---|`,
    `| Node pull into store-fs (nodeTransport) | ${fmt(of("node").map((r) => r.mbps))} | ${median(of("node").map((r) => r.mbps)).toFixed(0)} | 1 | |`,
    opfsRow("pull into opfsStore", "opfs"),
    opfsRow("pull into opfsStore from a worker (`@toci/store-opfs/in-worker`)", "worker"),
    `| pull into indexedDbStore, hashed and stored on the page (the default) | ${fmt(of("idb-page").map((r) => r.mbps))} | ${median(of("idb-page").map((r) => r.mbps)).toFixed(0)} | ÷ Node ${fmt(perRound("idb-page", "node"), 2)} (${median(perRound("idb-page", "node")).toFixed(2)}) | ≥ 0.35 × Node |`,
    `| pull into indexedDbStore with its writer worker (opt-in) | ${fmt(of("idb").map((r) => r.mbps))} | ${median(of("idb").map((r) => r.mbps)).toFixed(0)} | ÷ Node ${fmt(perRound("idb", "node"), 2)} (${median(perRound("idb", "node")).toFixed(2)}) | |`,
    `| reading the same blobs through the transport, no store (reference) | ${fmt(of("read").map((r) => r.mbps))} | ${median(of("read").map((r) => r.mbps)).toFixed(0)} | ÷ Node ${fmt(perRound("read", "node"), 2)} (${median(perRound("read", "node")).toFixed(2)}) | |`,
    // The Long Tasks API reports every task over 50 ms, and only those.
    `| main-thread long tasks during the OPFS pulls | ${tasks("opfs")} | | | none over 50 ms |`,
    `| … during the OPFS pulls from a worker | ${tasks("worker")} | | | none over 50 ms |`,
    `| … during the IndexedDB pulls with its worker | ${tasks("idb")} | | | |`,
    `| … during the IndexedDB pulls on the page (the default) | ${tasks("idb-page")} | | | |`,
    `| … while only reading the same blobs (reference) | ${tasks("read")} | | | |`,
    bundleRow("client/pull (the pull entry)", bundle.pull, "≤ 40 KB"),
    bundleRow("client (whole, pushes too)", bundle.full, ""),
  ];
}
