// How the worker verifies a blob depends on its size (src/internal/writer.ts): up to the store's `wholeDigestMax`,
// WebCrypto over the file's bytes at commit; above it, hash-wasm as the bytes arrive. With a bound of 1 MiB, blobs
// just under and just past it take each way: a blob whose bytes hash to another digest is refused at commit and
// nothing becomes visible (no blob, no partial), and the right bytes of the same size are stored, either way.
import { describe as describeContent, isOciError } from "@toci/spec-types";
import { randomBytes } from "@toci/testkit/store-suite";
import { expect, it } from "vitest";
import { opfsStore } from "../dist/index.js";
import { partialFiles, removeStore } from "./suite-setup.js";

const MiB = 1024 * 1024;

async function refusedThenStored(size: number, wholeDigestMax: number) {
  const name = `whole-digest-${Date.now()}`;
  const store = await opfsStore(name, { wholeDigestMax });
  try {
    const bytes = randomBytes(size);
    const right = await describeContent(bytes);
    const flipped = bytes.slice();
    flipped[size - 1] = (flipped[size - 1] ?? 0) ^ 1;

    const wrong = await store.ingest(right);
    for (let at = 0; at < size; at += 256 * 1024) await wrong.write(flipped.subarray(at, at + 256 * 1024));
    const refused = await wrong.commit().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isOciError(refused) && refused.code).toBe("DIGEST_MISMATCH");
    expect(await store.exists(right)).toBe(false);
    expect(await partialFiles(name, right.digest)).toEqual([]);

    const good = await store.ingest(right);
    for (let at = 0; at < size; at += 256 * 1024) await good.write(bytes.subarray(at, at + 256 * 1024));
    await good.commit();
    expect(await store.exists(right)).toBe(true);
    const back = new Uint8Array(await new Response(await store.fetch(right)).arrayBuffer());
    expect(back.length === size && back.every((b, i) => b === bytes[i])).toBe(true);
  } finally {
    await store.close();
    await removeStore(name);
  }
}

it("verifies a blob up to wholeDigestMax whole at commit: a wrong digest is refused, the right one stored", () =>
  refusedThenStored(MiB, MiB));

it("verifies a blob past wholeDigestMax as it streams: a wrong digest is refused, the right one stored", () =>
  refusedThenStored(MiB + 1, MiB));

it("hashes every blob as it streams with wholeDigestMax 0", () => refusedThenStored(4096, 0));

it("refuses a wholeDigestMax that is not whole bytes, before it opens anything", async () => {
  for (const wholeDigestMax of [-1, 1.5, Number.NaN, 2 ** 31]) {
    const error = await opfsStore(`whole-digest-bad-${Date.now()}`, { wholeDigestMax }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOciError(error) && error.code).toBe("INVALID_ARGUMENT");
  }
  const names: string[] = [];
  for await (const [n] of (await navigator.storage.getDirectory()).entries()) names.push(n);
  expect(names.filter((n) => n.startsWith("toci-whole-digest-bad-"))).toEqual([]);
});
