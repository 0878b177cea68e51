import { type Store, writeBlob } from "@toci/spec-types";
import { beforeEach, describe, expect, it } from "vitest";
import type { StoreContext, StoreUnderTest } from "./context.js";
import { describeBytes, encoder, expectCode, expectNothing, fetchBytes, putImage } from "./helpers.js";

/** What most ingest cases write: 10 000 bytes, large enough to stop and resume in several places. */
const content = encoder.encode("0123456789".repeat(1000));

/** The suite's "ingest lifecycle" cases. */
export function ingestLifecycle(ctx: StoreContext): void {
  describe("ingest lifecycle", () => {
    abortAndResume(ctx);
    buffers(ctx);
    partialsAndConcurrency(ctx);
  });
}

function abortAndResume({ current }: StoreContext): void {
  let store: Store;
  beforeEach(() => {
    ({ store } = current());
  });

  it("leaves nothing after abort", async () => {
    const d = await describeBytes(content);
    const ingest = await store.ingest(d);
    await ingest.write(content.subarray(0, 4000));
    await ingest.abort();
    await expectNothing(store, d);
    const again = await store.ingest(d);
    expect(again.offset).toBe(0);
    await again.abort();
  });

  it("keeps a closed partial and resumes from the offset it reports", async () => {
    const d = await describeBytes(content);
    const first = await store.ingest(d);
    await first.write(content.subarray(0, 3000));
    await first.write(content.subarray(3000, 4000));
    expect(first.offset).toBe(4000);
    await first.close();
    expect(await store.exists(d)).toBe(false);

    const second = await store.ingest(d);
    expect(second.offset).toBe(4000);
    await second.write(content.subarray(second.offset));
    await second.commit();
    expect(await fetchBytes(store, d)).toEqual(content);
  });

  it("starts over when asked not to resume", async () => {
    const d = await describeBytes(content);
    const first = await store.ingest(d);
    await first.write(content.subarray(0, 4000));
    await first.close();
    const second = await store.ingest(d, { resume: false });
    expect(second.offset).toBe(0);
    await second.write(content);
    await second.commit();
    expect(await fetchBytes(store, d)).toEqual(content);
  });

  it("keeps every byte written across many small writes", async () => {
    const d = await describeBytes(content);
    const ingest = await store.ingest(d);
    for (let at = 0; at < content.length; at += 7) await ingest.write(content.subarray(at, at + 7));
    await ingest.commit();
    expect(await fetchBytes(store, d)).toEqual(content);
  });
}

/** A caller's buffer is its own again once `write` resolves, small or large. */
function buffers({ current }: StoreContext): void {
  let store: Store;
  beforeEach(() => {
    ({ store } = current());
  });

  it("copies what it is given: a caller may reuse its buffer after write resolves", async () => {
    const d = await describeBytes(content);
    const ingest = await store.ingest(d);
    const buffer = new Uint8Array(1000);
    for (let at = 0; at < content.length; at += 1000) {
      buffer.set(content.subarray(at, at + 1000));
      await ingest.write(buffer);
      buffer.fill(0xff);
    }
    await ingest.commit();
    expect(await fetchBytes(store, d)).toEqual(content);
  });

  it("is done with a large chunk once write resolves: the buffer reused for the next chunk", async () => {
    // Chunks of 288 KiB: past the size a store may write without copying (store-fs: 256 KiB).
    const chunk = 288 * 1024;
    const big = new Uint8Array(2 * chunk);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 11)) & 0xff;
    const d = await describeBytes(big);
    const ingest = await store.ingest(d);
    const buffer = new Uint8Array(chunk);
    for (let at = 0; at < big.length; at += chunk) {
      buffer.set(big.subarray(at, at + chunk));
      await ingest.write(buffer);
      buffer.fill(0xff);
    }
    await ingest.commit();
    // Compared by digest: a deep comparison of half a megabyte element by element takes seconds.
    expect((await describeBytes(await fetchBytes(store, d))).digest).toBe(d.digest);
  });
}

function partialsAndConcurrency({ current, capabilities }: StoreContext): void {
  let store: Store;
  let t: StoreUnderTest;
  beforeEach(() => {
    ({ store, t } = current());
  });
  it.skipIf(!capabilities.corruptPartial)(
    "re-hashes a resumed prefix instead of trusting it: a corrupt partial fails the commit",
    async () => {
      const d = await describeBytes(content);
      const first = await store.ingest(d);
      await first.write(content.subarray(0, 5000));
      await first.close();
      await t.corruptPartial!(d.digest);

      const second = await store.ingest(d);
      expect(second.offset).toBeLessThanOrEqual(5000);
      await second.write(content.subarray(second.offset));
      if (second.offset > 0) {
        await expectCode(second.commit(), "DIGEST_MISMATCH");
        await expectNothing(store, d);
      } else {
        await second.commit(); // a store may also detect the damage on open and start over
      }
      await writeBlob(store, d, content);
      expect(await fetchBytes(store, d)).toEqual(content);
    },
  );

  it.skipIf(!capabilities.reopen)("keeps a partial and the roots across a reopen", async () => {
    const d = await describeBytes(content);
    const first = await store.ingest(d);
    await first.write(content.subarray(0, 6000));
    await first.close();
    const manifest = await putImage(store, "survivor");
    await store.tag(manifest.manifest, "keep");

    const reopened = await t.reopen!();
    expect((await reopened.resolve("keep"))?.digest).toBe(manifest.manifest.digest);
    const second = await reopened.ingest(d);
    expect(second.offset).toBe(6000);
    await second.write(content.subarray(6000));
    await second.commit();
    expect(await fetchBytes(reopened, d)).toEqual(content);
  });

  it("lets concurrent ingests of one digest all commit, with the right content visible once", async () => {
    const d = await describeBytes(content);
    const writers = await Promise.all([1, 2, 3, 4].map(() => store.ingest(d, { resume: false })));
    // Interleave the writers' chunks so that none of them finishes first.
    for (let at = 0; at < content.length; at += 1500) {
      await Promise.all(writers.map((w) => w.write(content.subarray(at, at + 1500))));
    }
    await Promise.all(writers.map((w) => w.commit()));
    expect(await fetchBytes(store, d)).toEqual(content);
    expect(await store.exists(d)).toBe(true);
  });

  it("keeps the blob of one writer when a concurrent writer of the same digest aborts", async () => {
    const d = await describeBytes(content);
    const [a, b] = await Promise.all([store.ingest(d, { resume: false }), store.ingest(d, { resume: false })]);
    await Promise.all([a.write(content), b.write(content.subarray(0, 100))]);
    await Promise.all([a.commit(), b.abort()]);
    expect(await fetchBytes(store, d)).toEqual(content);
  });

  it("gives a second writer of a digest its own partial while the first still writes", async () => {
    const d = await describeBytes(content);
    const a = await store.ingest(d);
    await a.write(content.subarray(0, 2000));
    const b = await store.ingest(d); // the first writer's bytes are not a closed partial: b starts at 0
    expect(b.offset).toBe(0);
    await b.write(content);
    await b.commit();
    await a.write(content.subarray(2000));
    await a.commit();
    expect(await fetchBytes(store, d)).toEqual(content);
  });
}
