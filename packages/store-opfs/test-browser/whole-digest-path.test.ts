// Which way the store's worker verifies a blob (src/internal/writer.ts), seen from inside it: a spy on WebCrypto in a
// worker whose in-worker store commits there (whole-digest-worker.ts). Up to `wholeDigestMax`, WebCrypto digests the
// whole file once; past it, or with 0, it is never asked (hash-wasm hashed the bytes as they came). A commit whose
// digest fails for another reason than the content keeps the partial, which the next ingest resumes at its end.
import { expect, it } from "vitest";
import { removeStore } from "./suite-setup.js";

const MiB = 1024 * 1024;

async function inWorker(data: { mode: "path" | "keep"; size: number; wholeDigestMax: number }) {
  const name = `whole-path-${Date.now()}`;
  const worker = new Worker(new URL("./whole-digest-worker.ts", import.meta.url), { type: "module" });
  try {
    return await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data));
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage({ name, ...data });
    });
  } finally {
    worker.terminate();
    await removeStore(name);
  }
}

it("digests a blob up to wholeDigestMax whole with WebCrypto, once, at commit", async () => {
  expect(await inWorker({ mode: "path", size: MiB, wholeDigestMax: MiB })).toEqual({ digested: [MiB] });
});

it("never asks WebCrypto for a blob past wholeDigestMax, nor with 0", async () => {
  expect(await inWorker({ mode: "path", size: MiB + 1, wholeDigestMax: MiB })).toEqual({ digested: [] });
  expect(await inWorker({ mode: "path", size: 4096, wholeDigestMax: 0 })).toEqual({ digested: [] });
});

it("keeps the partial when the digest fails for another reason than the content, and the next ingest resumes it", async () => {
  expect(await inWorker({ mode: "keep", size: MiB, wholeDigestMax: MiB })).toEqual({
    code: "STORE",
    offset: MiB,
    stored: true,
  });
});
