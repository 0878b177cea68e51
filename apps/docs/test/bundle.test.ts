// The bundle budget (issue 18): what a browser app ships to pull, the client's pull entry (@toci/client/pull) +
// @toci/transport-fetch + a browser store, built by vite 8 (rolldown) from bundle/entry.ts (IndexedDB) and
// bundle/opfs-entry.ts (OPFS), minified, each emitted file gzipped (level 9), must stay within 40 KB. The same with the
// whole client (bundle/full-entry.ts, bundle/opfs-full-entry.ts: an app that pushes too) is measured and printed
// beside, each with its own budget. What is counted: every chunk of the page, and the
// store's worker (OPFS), everything of ours and the bundler's chunk-loading helper. What is not ("wasm hasher
// excluded"): hash-wasm, the WebAssembly hasher that @toci/spec-types loads on the first hash, in a chunk of its
// own (an optional peer dependency), left out whole, its JavaScript and its base64 WebAssembly alike. The figure
// with hash-wasm's JavaScript counted is reported beside it. The measurement is @toci/testkit's bundle-size.ts,
// which the OPFS bench uses too.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BundleFigures, kilobytes, measureBundle, WASM_BASE64 } from "@toci/testkit/bundle-size";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
// 40 KB, the budget of issue 18. Wave 2's client features took client + transport-fetch + store-indexeddb to 43.5 KB
// (hash-wasm's JavaScript counted) and the budget to 45 KB for a session; transport-fetch's own retry loop in place
// of ky (4.2 KB) and the definition above brought it back.
const BUDGET = 40 * 1000;
// The whole client with OPFS, an app that pushes too: 42.5 KB (page 38.9 + worker 3.5) once pulls handed bodies to
// the store whole (BodyWriter), over the 40 KB, which the pull entry meets (34.0 KB when it came); held here
// so that it does not grow. 42.1 KB (page 38.5 + worker 3.5) once one pass-through byte stream (spec-types'
// passBytes) served the client and fetchTransport alike. 43.0 KB (page 39.2 + worker 3.8) once the OPFS worker
// verified blobs of up to 64 MiB with WebCrypto at commit (that +20 % was noise: the bound missed the bench's layers),
// and the hold moved to 43.5 KB with it: the pull entry, what the 40 KB is for, is 34.4 KB. 43.6 KB (page
// 39.7 + worker 3.9) once the store spread its ingests over two writer workers (+18 %) and verified blobs of up to
// 128 MiB whole: the hold moved to 44 KB, the pull entry is 35.0 KB.
// 44.5 KB (page 40.5 + worker 3.9) once pulls into IndexedDB came in Range segments read into Blobs (the client's
// pull/blob-segments.ts, fetch's `blob()`, the worker ingest's `appendBlob`: ~0.9 KB in all): the hold moved to
// 45 KB; the pull entry is 35.8 KB.
// 45.2 KB (page 41.3 + worker 3.9) once pages could push (fetchTransport reads a stream upload into a Blob: Chromium
// streams uploads over HTTP/2 only) and isPrivateHost judged every special-purpose block and IPv6 form (the relay's
// review): ~0.7 KB; the hold moved to 45.5 KB; the pull entry is 36.6 KB.
const OPFS_FULL_BUDGET = 45.5 * 1000;
// The whole client with IndexedDB met the 40 KB too (39.4 KB) until those Range segments took it to 40.5 KB
// (their gain is IndexedDB's: 61 → 89 MB/s on the page, 75 → 97 in the writer worker): held at 41 KB from then on;
// its pull entry is 31.9 KB. 41.3 KB with the same ~0.7 KB (page uploads, isPrivateHost): held at 41.5 KB; its pull
// entry is 32.6 KB.
const IDB_FULL_BUDGET = 41.5 * 1000;

const lines: string[] = [];

async function measure(name: string, entryFile: string): Promise<BundleFigures> {
  const figures = await measureBundle(root, await readFile(join(root, "bundle", entryFile), "utf8"));
  const { lean, withHasherJs } = figures;
  const line =
    `browser bundle (${name}): ${kilobytes(figures.total)} gzipped without hash-wasm ` +
    `(page ${kilobytes(lean.pageBytes)} + worker ${kilobytes(lean.workerBytes)}); ` +
    `${kilobytes(withHasherJs.pageBytes + withHasherJs.workerBytes)} with hash-wasm's JavaScript ` +
    `(${kilobytes(figures.wasmBase64)} of base64 wasm left out of both)`;
  console.log(line);
  lines.push(line);
  await mkdir(join(root, "test-artifacts"), { recursive: true });
  await writeFile(join(root, "test-artifacts", "bundle-size.txt"), `${lines.join("\n")}\n`);
  return figures;
}

function expectBrowserBuild(figures: BundleFigures): void {
  const { lean, withHasherJs } = figures;
  expect(figures.wasmBase64).toBeGreaterThan(0); // the whole build does hold hash-wasm's wasm…
  expect(withHasherJs.pageBytes).toBeGreaterThan(lean.pageBytes); // …and its JavaScript weighs…
  expect([...lean.page, ...withHasherJs.page].join("\n")).not.toMatch(WASM_BASE64); // …and neither measured one has it
  expect(lean.page.join("\n")).not.toMatch(/node:/); // a browser build: the node hasher is not in it
  // …nor fetchTransport's HEAD keep-alive for Node's fetch (undici), which no browser has
  expect(lean.page.join("\n")).not.toMatch(/undici\.globalDispatcher/);
}

/** The blob upload endpoint (distribution-spec: POST /v2/<name>/blobs/uploads/): only pushing code names it. */
const UPLOAD_PATH = /blobs\/uploads\//;

/** The pull entry's build holds no pushing code. */
function expectNoWriting(figures: BundleFigures): void {
  expect(figures.lean.page.join("\n")).not.toMatch(UPLOAD_PATH);
}

describe("bundle budget", { timeout: 240_000 }, () => {
  it("client/pull + transport-fetch + store-indexeddb for browsers: ≤ 40 KB minified and gzipped (wasm hasher excluded)", async () => {
    const figures = await measure("client/pull + transport-fetch + store-indexeddb", "entry.ts");
    expectBrowserBuild(figures);
    expectNoWriting(figures);
    expect(figures.lean.worker).toEqual([]);
    expect(figures.total).toBeLessThanOrEqual(BUDGET);
  });

  it("client/pull + transport-fetch + store-opfs, page and worker: ≤ 40 KB (wasm hasher excluded)", async () => {
    const figures = await measure("client/pull + transport-fetch + store-opfs", "opfs-entry.ts");
    expectBrowserBuild(figures);
    expectNoWriting(figures);
    expect(figures.lean.worker.join("\n")).toMatch(/onmessage/); // the store's worker was found and built
    expect(figures.total).toBeLessThanOrEqual(BUDGET);
  });

  it("the whole client + transport-fetch + store-indexeddb: within its held budget", async () => {
    const figures = await measure("client + transport-fetch + store-indexeddb", "full-entry.ts");
    expectBrowserBuild(figures);
    expect(figures.lean.page.join("\n")).toMatch(UPLOAD_PATH); // the whole client does push
    expect(figures.total).toBeLessThanOrEqual(IDB_FULL_BUDGET);
  });

  it("the whole client + transport-fetch + store-opfs, page and worker: within its held budget", async () => {
    const figures = await measure("client + transport-fetch + store-opfs", "opfs-full-entry.ts");
    expectBrowserBuild(figures);
    expect(figures.lean.page.join("\n")).toMatch(UPLOAD_PATH);
    expect(figures.lean.worker.join("\n")).toMatch(/onmessage/);
    expect(figures.total).toBeLessThanOrEqual(OPFS_FULL_BUDGET);
  });
});
