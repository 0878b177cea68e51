// An ingest that takes a response body whole (BodyWriter): the client's pull hands every blob's body to it, the page
// reads the body straight into the buffers that go to the worker, and the worker hashes, writes and verifies at
// commit exactly as for chunk writes. Pulls through it here: a corrupt layer is never stored, an aborted pull keeps a
// partial the next one resumes. The ingest's own cases (too long, corrupt, cut, not a byte stream) are the store
// suite's "body writer" group (conformance.test.ts).
import { Client } from "@toci/client";
import {
  type BodyWriter,
  describe as describeContent,
  type Ingest,
  isBodyWriter,
  isOciError,
  type Store,
} from "@toci/spec-types";
import { fetchTransport } from "@toci/transport-fetch";
import { expect, it } from "vitest";
import { opfsStore } from "../dist/index.js";
import { partialFiles, removeStore } from "./suite-setup.js";
import { commands, until } from "./tabs.js";

const MiB = 1024 * 1024;
const noCache = fetchTransport({ fetch: (input, init) => fetch(input, { ...init, cache: "no-store" }) });

async function withStore(
  prefix: string,
  test: (store: Awaited<ReturnType<typeof opfsStore>>, name: string) => Promise<void>,
) {
  const name = `${prefix}-${Date.now()}`;
  const store = await opfsStore(name);
  try {
    await test(store, name);
  } finally {
    await store.close();
    await removeStore(name);
  }
}

it("pulls an image through writeBody: each blob's body goes whole to the store, verified and committed", async () => {
  const { registry, images } = await commands.harness();
  const image = images.a;
  await withStore("body-pull", async (opfs) => {
    const calls = { writeBody: 0, write: 0 };
    // The same store, counting which way the client hands it the bytes.
    const store: Store = {
      ...opfs,
      async ingest(descriptor, options) {
        const ingest = await opfs.ingest(descriptor, options);
        if (!isBodyWriter(ingest)) return ingest; // present already
        const counted: Ingest & BodyWriter = {
          descriptor: ingest.descriptor,
          get offset() {
            return ingest.offset;
          },
          write: (chunk) => {
            calls.write++;
            return ingest.write(chunk);
          },
          writeBody: (body, o) => {
            calls.writeBody++;
            return ingest.writeBody(body, o);
          },
          commit: () => ingest.commit(),
          abort: () => ingest.abort(),
          close: () => ingest.close(),
        };
        return counted;
      },
    };
    let last = { bytes: 0, percent: 0 };
    for await (const event of new Client({ transport: noCache, store })
      .registry(registry)
      .repo(image.repo)
      .pull(image.tag)) {
      if (event.type === "failed") throw event.error;
      last = event;
    }
    expect(last).toMatchObject({ percent: 100 });
    expect(calls.writeBody).toBe(1 + image.layers.length); // the config and every layer
    for (const blob of [image.config, ...image.layers]) {
      expect(await describeContent(await opfs.fetch(blob))).toMatchObject({ digest: blob.digest, size: blob.size });
      expect(await partialFiles(opfs.directoryName.slice("toci-".length), blob.digest)).toEqual([]);
    }
  });
});

it("fails a pull of a corrupted layer with DIGEST_MISMATCH and stores nothing of it", async () => {
  const { registry, images } = await commands.harness();
  const image = images.b;
  const layer = image.layers[1]!; // not shared with image a
  await commands.corruptBlob(layer.digest, 1_500_000);
  try {
    await withStore("body-corrupt", async (store, name) => {
      let failure: unknown;
      for await (const event of new Client({ transport: noCache, store })
        .registry(registry)
        .repo(image.repo)
        .pull(image.tag)) {
        if (event.type === "failed") failure = event.error;
      }
      expect(isOciError(failure) && failure.code).toBe("DIGEST_MISMATCH");
      expect(await store.exists(layer)).toBe(false);
      expect(await partialFiles(name, layer.digest)).toEqual([]);
      expect(await store.resolve(image.tag)).toBeUndefined();
    });
  } finally {
    await commands.release();
  }
});

it("stops a pull aborted mid-blob with ABORTED, keeps the partial, and the next pull resumes it", async () => {
  const { registry, images } = await commands.harness();
  const image = images.cut;
  const layer = image.layers[0]!;
  const seen = (await commands.blobGets(layer.digest)).length;
  await commands.cutThenHold(layer.digest, 3 * MiB + 5);
  try {
    await withStore("body-abort", async (store, name) => {
      const controller = new AbortController();
      const pull = async (signal?: AbortSignal) => {
        const repo = new Client({ transport: noCache, store }).registry(registry).repo(image.repo);
        for await (const event of repo.pull(image.tag, { signal })) {
          if (event.type === "failed") return event.error;
        }
        return undefined;
      };
      const aborted = pull(controller.signal);
      // The first GET was cut; the retry, from what the store kept, waits at the proxy: abort there.
      await until(async () => (await commands.blobGets(layer.digest)).length >= seen + 2);
      controller.abort();
      expect(await aborted).toMatchObject({ code: "ABORTED" });
      expect(await store.exists(layer)).toBe(false);
      expect((await partialFiles(name, layer.digest)).length).toBe(1);
      await commands.release();
      expect(await pull()).toBeUndefined();
      const [, retry, ...after] = (await commands.blobGets(layer.digest)).slice(seen);
      // The retry after the cut asks from what the worker had written by then: 2 MiB, or nothing yet when the
      // worker had not caught up (a loaded runner); either way the next pull resumes from the 2 MiB kept.
      expect([`bytes=${2 * MiB}-`, null, undefined]).toContain(retry?.range);
      expect(after.at(-1)).toMatchObject({ range: `bytes=${2 * MiB}-`, status: 206, done: true });
      expect(await describeContent(await store.fetch(layer))).toMatchObject({ digest: layer.digest, size: layer.size });
    });
  } finally {
    await commands.release();
  }
});
