// The bundle an app ships to pull into OPFS: @toci/client/pull (the client's pull entry) + @toci/transport-fetch +
// @toci/store-opfs, the page's chunks and the store's worker, and the same with the whole client (@toci/client), measured as the docs' budget test measures it (@toci/testkit's bundle-size.ts:
// vite 8, minified, gzip -9, hash-wasm left out whole; the figure with its JavaScript counted reported beside).
import { fileURLToPath } from "node:url";
import { measureBundle } from "@toci/testkit/bundle-size";

export interface BundleSize {
  /** gzipped bytes of the page's chunks, hash-wasm's JavaScript counted (its wasm left out) */
  page: number;
  /** gzipped bytes of the worker, hash-wasm's JavaScript counted (its wasm left out) */
  worker: number;
  /** base64 characters of wasm left out (page and worker) */
  wasmBase64: number;
  /** gzipped bytes of page and worker with hash-wasm left out whole (its JavaScript too): the budget's figure */
  withoutHasher: { page: number; worker: number };
}

/** The two bundles: with the client's pull entry (what an app that only pulls ships), and with the whole client. */
export interface BundleSizes {
  pull: BundleSize;
  full: BundleSize;
}

export async function bundleSizes(): Promise<BundleSizes> {
  return { pull: await bundleSize("@toci/client/pull"), full: await bundleSize("@toci/client") };
}

async function bundleSize(client: string): Promise<BundleSize> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const figures = await measureBundle(
    root,
    [
      `export { Client, isOciError } from "${client}";`,
      'export { fetchTransport } from "@toci/transport-fetch";',
      'export { opfsStore } from "@toci/store-opfs";',
    ].join("\n"),
  );
  if (figures.lean.worker.length === 0) throw new Error("vite emitted no worker: the store's worker was not found");
  return {
    page: figures.withHasherJs.pageBytes,
    worker: figures.withHasherJs.workerBytes,
    wasmBase64: figures.wasmBase64,
    withoutHasher: { page: figures.lean.pageBytes, worker: figures.lean.workerBytes },
  };
}
