// The pull's download limit: chosen per blob size unless `concurrency` is given (pull/download-limit.ts).
import type { Descriptor, Digest } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import { ALL_AT_ONCE, BIG_AT_ONCE, BIG_BLOB, downloadLimit } from "../src/internal/pull/download-limit.js";

const blob = (size: number, i: number): Descriptor => ({
  mediaType: "application/octet-stream",
  digest: `sha256:${i.toString(16).padStart(64, "0")}` as Digest,
  size,
});

/** Runs every blob's task under `limit`, each held until released; returns the most in flight (big, all). */
async function peaks(blobs: Descriptor[], limitOf: (blob: Descriptor) => ReturnType<ReturnType<typeof downloadLimit>>) {
  let big = 0;
  let all = 0;
  const peak = { big: 0, all: 0, smallWhileBigWaited: 0 };
  const releases: (() => void)[] = [];
  const runs = blobs.map((b) =>
    limitOf(b)(async () => {
      const isBig = b.size >= BIG_BLOB;
      if (isBig) big++;
      all++;
      peak.big = Math.max(peak.big, big);
      peak.all = Math.max(peak.all, all);
      if (!isBig && big === BIG_AT_ONCE) peak.smallWhileBigWaited++;
      await new Promise<void>((resolve) => releases.push(resolve));
      if (isBig) big--;
      all--;
    }),
  );
  // Release one task at a time, oldest first, until all are done.
  while (releases.length || all > 0) {
    await new Promise((r) => setTimeout(r, 0));
    releases.shift()?.();
  }
  await Promise.all(runs);
  return peak;
}

describe("downloadLimit", () => {
  it("runs at most 4 big blobs at once, up to 16 in all, small ones taking the slots big ones leave", async () => {
    const blobs = [
      ...Array.from({ length: 10 }, (_, i) => blob(BIG_BLOB + i, i)),
      ...Array.from({ length: 40 }, (_, i) => blob(64 * 1024, 100 + i)),
    ];
    const peak = await peaks(blobs, downloadLimit(undefined));
    expect(peak.big).toBe(BIG_AT_ONCE);
    expect(peak.all).toBe(ALL_AT_ONCE);
    // Big blobs queued behind the first four never kept small ones from running.
    expect(peak.smallWhileBigWaited).toBeGreaterThan(0);
  });

  it("runs many small blobs 16 at a time, and few big ones 4 at a time", async () => {
    const small = Array.from({ length: 50 }, (_, i) => blob(1000, i));
    expect((await peaks(small, downloadLimit(undefined))).all).toBe(ALL_AT_ONCE);
    const big = Array.from({ length: 6 }, (_, i) => blob(256 * 1024 * 1024, i));
    expect((await peaks(big, downloadLimit(undefined))).all).toBe(BIG_AT_ONCE);
  });

  it("uses one limit of exactly `concurrency` for every blob when it is given", async () => {
    const blobs = [...Array.from({ length: 8 }, (_, i) => blob(BIG_BLOB, i)), blob(10, 99), blob(10, 98)];
    const peak = await peaks(blobs, downloadLimit(6));
    expect(peak.all).toBe(6);
    expect(peak.big).toBe(6);
  });
});
