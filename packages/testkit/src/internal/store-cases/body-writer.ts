import { type BodyWriter, type Descriptor, type Ingest, isBodyWriter, type Store } from "@toci/spec-types";
import { beforeEach, describe, expect, it } from "vitest";
import type { StoreContext, StoreUnderTest } from "./context.js";
import { byteBody, describeBytes, expectCode, expectNothing, fetchBytes, MiB, randomBytes } from "./helpers.js";

/**
 * The suite's "body writer" cases: an ingest that takes a response body whole (spec-types' BodyWriter, to which the
 * client's pull hands every blob) refuses bytes past the size as `write` does, leaves verification to commit, and
 * keeps what it stored of a body that failed for a resumed ingest. Blobs of a few MiB: several of the 2 MiB buffers
 * a worker ingest moves at a time, the last one part full.
 */
export function bodyWriter(ctx: StoreContext): void {
  describe.skipIf(!ctx.capabilities.bodyWriter)("body writer", () => {
    refusals(ctx);
    bodies(ctx);
  });
}

async function bodyIngest(store: Store, d: Descriptor): Promise<Ingest & BodyWriter> {
  const ingest = await store.ingest(d);
  if (!isBodyWriter(ingest)) throw new Error("capability bodyWriter is on but the store's ingest takes no body");
  return ingest;
}

/** Nothing of `d` is visible, left in the storage (when the set-up can look behind the store's back), or resumed. */
async function expectNoTrace(store: Store, t: StoreUnderTest, d: Descriptor): Promise<void> {
  await expectNothing(store, d);
  if (t.leftovers) expect(await t.leftovers(d.digest)).toBe(0);
  const again = await store.ingest(d);
  expect(again.offset).toBe(0);
  await again.abort();
}

function refusals({ current }: StoreContext): void {
  let store: Store;
  let t: StoreUnderTest;
  beforeEach(() => {
    ({ store, t } = current());
  });

  it("refuses a body longer than the blob with SIZE_MISMATCH and cancels it", async () => {
    const bytes = randomBytes(2 * MiB + 100);
    const d = await describeBytes(bytes.subarray(0, 2 * MiB));
    const ingest = await bodyIngest(store, d);
    const { body, seen } = byteBody(bytes);
    await expectCode(ingest.writeBody(body), "SIZE_MISMATCH");
    expect(seen.cancelled).toBe(true);
    await ingest.abort();
    await expectNoTrace(store, t, d);
  });

  it("refuses at commit a body that does not match its digest, with DIGEST_MISMATCH, and keeps nothing", async () => {
    const right = randomBytes(5 * MiB + 7);
    const d = await describeBytes(right);
    const wrong = right.slice();
    wrong[3 * MiB] = (wrong[3 * MiB] ?? 0) ^ 1;
    const ingest = await bodyIngest(store, d);
    await ingest.writeBody(byteBody(wrong).body);
    expect(ingest.offset).toBe(d.size);
    await expectCode(ingest.commit(), "DIGEST_MISMATCH");
    await expectNoTrace(store, t, d);
  });
}

function bodies({ current }: StoreContext): void {
  let store: Store;
  beforeEach(() => {
    ({ store } = current());
  });

  it("keeps what it stored of a body that fails midway, and a resumed ingest completes the blob", async () => {
    const bytes = randomBytes(6 * MiB + 3);
    const d = await describeBytes(bytes);
    const first = await bodyIngest(store, d);
    const progress: number[] = [];
    const cut = byteBody(bytes.subarray(0, 5 * MiB), { fail: new TypeError("network error") });
    await expect(first.writeBody(cut.body, { progress: (o) => progress.push(o) })).rejects.toThrow("network error");
    await first.close();
    // Every offset reported was stored: the resumed ingest holds at least the last one (a worker ingest loses the
    // buffer being filled when the body failed, never counted), and its commit re-hashes what it resumed.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const resumed = await bodyIngest(store, d);
    expect(resumed.offset).toBeGreaterThanOrEqual(progress.at(-1) ?? 0);
    expect(resumed.offset).toBeLessThanOrEqual(5 * MiB);
    await resumed.writeBody(byteBody(bytes.subarray(resumed.offset)).body);
    await resumed.commit();
    expect((await describeBytes(await fetchBytes(store, d))).digest).toBe(d.digest);
  });

  it("takes a body that is not a byte stream chunk by chunk", async () => {
    const bytes = randomBytes(3 * MiB + 11);
    const d = await describeBytes(bytes);
    const ingest = await bodyIngest(store, d);
    const chunks = [bytes.slice(0, MiB), bytes.slice(MiB)];
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    await ingest.writeBody(body);
    await ingest.commit();
    expect((await describeBytes(await fetchBytes(store, d))).digest).toBe(d.digest);
  });
}
