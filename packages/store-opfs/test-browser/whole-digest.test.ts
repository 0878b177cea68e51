// How the worker verifies a blob depends on its size (src/internal/writer.ts): up to WHOLE_DIGEST_MAX, WebCrypto over
// the file's bytes at commit; above it, hash-wasm as the bytes arrive. The store suite's cases use small blobs, so
// they run the first way; these run the second, just past the bound: a blob whose bytes hash to another digest is
// refused at commit and nothing becomes visible, and the right bytes of the same size are stored.
import { describe as describeContent, isOciError } from "@toci/spec-types";
import { expect, it } from "vitest";
import { opfsStore } from "../dist/index.js";
import { WHOLE_DIGEST_MAX } from "../dist/internal/writer.js";
import { partialFiles, removeStore } from "./suite-setup.js";

const MiB = 1024 * 1024;

it("verifies a blob past the whole-digest bound as it streams: a wrong digest is refused, the right one stored", async () => {
  const name = `whole-digest-${Date.now()}`;
  const store = await opfsStore(name);
  try {
    const bytes = new Uint8Array(WHOLE_DIGEST_MAX + 1);
    for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
    const right = await describeContent(bytes);
    const flipped = bytes.slice(0, MiB);
    flipped[0] = (flipped[0] ?? 0) ^ 1;

    const wrong = await store.ingest(right);
    await wrong.write(flipped);
    for (let at = MiB; at < bytes.length; at += 8 * MiB) await wrong.write(bytes.subarray(at, at + 8 * MiB));
    const refused = await wrong.commit().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isOciError(refused) && refused.code).toBe("DIGEST_MISMATCH");
    expect(await store.exists(right)).toBe(false);
    expect(await partialFiles(name, right.digest)).toEqual([]);

    const good = await store.ingest(right);
    for (let at = 0; at < bytes.length; at += 8 * MiB) await good.write(bytes.subarray(at, at + 8 * MiB));
    await good.commit();
    expect(await store.exists(right)).toBe(true);
  } finally {
    await store.close();
    await removeStore(name);
  }
}, 60_000);
