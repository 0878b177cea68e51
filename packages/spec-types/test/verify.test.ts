import { describe, expect, it } from "vitest";
import {
  createHasher,
  createVerifier,
  type Descriptor,
  describe as describeContent,
  digestOf,
  EMPTY_DESCRIPTOR,
  EMPTY_JSON,
  type Ingest,
  OciError,
  readAll,
  writeBlob,
} from "../src/index.js";

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const streamOf = (...chunks: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });

async function pipeThroughVerifier(desc: Descriptor, ...chunks: Uint8Array[]) {
  return readAll(streamOf(...chunks).pipeThrough(await createVerifier(desc)), 1 << 30);
}

describe("describe and digestOf", () => {
  it("describes the empty JSON like the spec's empty descriptor", async () => {
    const desc = await describeContent(EMPTY_JSON, { mediaType: EMPTY_DESCRIPTOR.mediaType });
    expect(desc).toEqual({ mediaType: EMPTY_DESCRIPTOR.mediaType, digest: EMPTY_DESCRIPTOR.digest, size: 2 });
  });

  it("gives the same descriptor for bytes, a Blob, a stream and a string", async () => {
    const data = bytes(100_000);
    const a = await describeContent(data);
    expect(await describeContent(new Blob([data]))).toEqual(a);
    expect(await describeContent(streamOf(data.subarray(0, 7), data.subarray(7)))).toEqual(a);
    expect((await describeContent("hello")).digest).toBe(
      "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    );
    expect(await digestOf("hello", "sha512")).toBe(
      "sha512:9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043",
    );
    expect(a.mediaType).toBe("application/octet-stream");
  });
});

describe("createVerifier", () => {
  it("passes correct content through unchanged", async () => {
    const data = bytes(10_000);
    const desc = await describeContent(data);
    expect(await pipeThroughVerifier(desc, data.subarray(0, 1), data.subarray(1))).toEqual(data);
  });

  it("errors with DIGEST_MISMATCH on a corrupt byte", async () => {
    const data = bytes(1000);
    const desc = await describeContent(data);
    const bad = data.slice();
    bad[500] = bad[500]! ^ 1;
    await expect(pipeThroughVerifier(desc, bad)).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
  });

  it("errors with SIZE_MISMATCH as soon as content runs past the size, and when it is short", async () => {
    const data = bytes(1000);
    const desc = await describeContent(data);
    await expect(pipeThroughVerifier(desc, data, new Uint8Array(1))).rejects.toMatchObject({ code: "SIZE_MISMATCH" });
    await expect(pipeThroughVerifier(desc, data.subarray(0, 999))).rejects.toMatchObject({ code: "SIZE_MISMATCH" });
  });

  it("continues from a prefix hashed elsewhere", async () => {
    const data = bytes(5000);
    const desc = await describeContent(data);
    const hasher = await createHasher("sha256");
    hasher.update(data.subarray(0, 1234));
    const out = await readAll(
      streamOf(data.subarray(1234)).pipeThrough(await createVerifier(desc, { offset: 1234, hasher })),
      1 << 20,
    );
    expect(out.byteLength).toBe(5000 - 1234);
    await expect(createVerifier(desc, { offset: 3 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("refuses digests it cannot compute", async () => {
    await expect(createVerifier({ digest: `blake3:${"a".repeat(64)}`, size: 1 })).rejects.toMatchObject({
      code: "UNSUPPORTED",
    });
  });
});

describe("readAll", () => {
  it("stops at the cap and cancels the source", async () => {
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new Uint8Array(1024));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(readAll(endless, 10_000)).rejects.toMatchObject({ code: "TOO_LARGE" });
    expect(cancelled).toBe(true);
  });
});

describe("writeBlob", () => {
  function fakeIngester(held: Uint8Array) {
    const log: string[] = [];
    const ingester = {
      async ingest(descriptor: Descriptor): Promise<Ingest> {
        const parts = [held];
        return {
          descriptor,
          offset: held.byteLength,
          async write(chunk) {
            log.push(`write ${chunk.byteLength}`);
            parts.push(chunk.slice());
          },
          async commit() {
            const all = await readAll(streamOf(...parts), 1 << 20);
            if ((await describeContent(all)).digest !== descriptor.digest) throw new OciError("DIGEST_MISMATCH", "x");
            log.push("commit");
          },
          async abort() {
            log.push("abort");
          },
          async close() {},
        };
      },
    };
    return { ingester, log };
  }

  it("skips what the store already holds", async () => {
    const data = bytes(100);
    const desc = await describeContent(data);
    const { ingester, log } = fakeIngester(data.subarray(0, 30));
    await writeBlob(ingester, desc, streamOf(data.subarray(0, 20), data.subarray(20)));
    expect(log).toEqual(["write 70", "commit"]);
  });

  it("aborts and rethrows an OciError on failure", async () => {
    const data = bytes(100);
    const desc = await describeContent(data);
    const { ingester, log } = fakeIngester(new Uint8Array(0));
    await expect(writeBlob(ingester, desc, bytes(100, 2))).rejects.toMatchObject({ code: "DIGEST_MISMATCH" });
    expect(log.at(-1)).toBe("abort");
  });
});
