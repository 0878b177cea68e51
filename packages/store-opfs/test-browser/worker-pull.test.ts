// Pulling from a worker (README, "Pulling in a worker"): the README's worker is test-browser/pull-worker.ts, run
// here against the harness registry; the page then finds the image in the same store, verified. Also what
// `@toci/store-opfs/in-worker` promises besides: close() lets its files go (a partial resumes in the same worker),
// and outside a dedicated worker it refuses with STORE; and the main entry's store made in a worker.
import { type Descriptor, isOciError } from "@toci/spec-types";
import { expect, it } from "vitest";
import { commands as files } from "vitest/browser";
import { opfsStore as opfsStoreHere } from "../dist/in-worker.js";
import { opfsStore } from "../dist/index.js";
import { removeStore } from "./suite-setup.js";
import { commands } from "./tabs.js";

type Message = { type: "progress"; percent: number; bytes: number; root?: Descriptor } | { type: "failed" };

it("the README's worker pulls an image into the store the page then reads", async () => {
  const readme = await files.readFile("README.md");
  const example = await files.readFile("test-browser/pull-worker.ts");
  expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  const { registry, images } = await commands.harness();
  const image = images.a;
  const worker = new Worker(new URL("./pull-worker.ts", import.meta.url), { type: "module" });
  try {
    const messages: Message[] = [];
    await new Promise<void>((resolve, reject) => {
      worker.onerror = (event) => reject(new Error(event.message));
      worker.onmessage = ({ data }: MessageEvent<Message>) => {
        messages.push(data);
        if (data.type === "failed") reject(new Error(JSON.stringify(data)));
        else if (data.percent === 100) resolve();
      };
      worker.postMessage({ registry, repository: image.repo, tag: image.tag });
    });
    expect(messages.at(-1)).toMatchObject({ type: "progress", percent: 100, root: { digest: image.root.digest } });
  } finally {
    worker.terminate();
  }
  const store = await opfsStore("images");
  try {
    expect(await store.resolve(image.tag)).toMatchObject({ digest: image.root.digest });
    for (const layer of image.layers) {
      const bytes = await new Response(await store.fetch(layer)).arrayBuffer(); // verified as it streams
      expect(bytes.byteLength).toBe(layer.size);
    }
  } finally {
    await store.close();
    await removeStore("images");
  }
});

/** Runs a case of in-worker-cases.ts in a worker of its own; resolves its answer. */
async function inWorker(name: string, mode: "resume" | "nested"): Promise<{ offset?: number; blob?: Descriptor }> {
  const worker = new Worker(new URL("./in-worker-cases.ts", import.meta.url), { type: "module" });
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data));
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage({ name, mode });
    });
  } finally {
    worker.terminate();
  }
}

it("a store from in-worker keeps what close() left for the next one in the same worker", async () => {
  const name = `in-worker-${Date.now()}`;
  try {
    expect(await inWorker(name, "resume")).toEqual({ offset: 2 * 1024 * 1024 });
  } finally {
    await removeStore(name);
  }
});

it("the main entry's opfsStore works in a worker too (through a nested worker)", async () => {
  const name = `nested-${Date.now()}`;
  const store = await opfsStore(name);
  try {
    const { blob } = await inWorker(name, "nested");
    const bytes = await new Response(await store.fetch(blob!)).arrayBuffer(); // verified as it streams
    expect(bytes.byteLength).toBe(3 * 1024 * 1024);
  } finally {
    await store.close();
    await removeStore(name);
  }
});

it("in-worker's store refuses a page's main thread with STORE", async () => {
  const name = `in-worker-page-${Date.now()}`;
  const error = await opfsStoreHere(name).then(
    () => undefined,
    (e: unknown) => e,
  );
  await removeStore(name);
  expect(isOciError(error) && error.code).toBe("STORE");
});
