// The size and deadline of a Range segment read into a Blob (pull/segment-pace.ts): small and given time at a floor
// rate while a registry's speed is unknown, then about 8 s of transfer at the rate its last segment came at, with four
// times that to come, within 256 KiB..16 MiB and the store's value size.
import { describe, expect, it } from "vitest";
import { noteSegment, segmentDeadline, segmentSize } from "../src/internal/pull/segment-pace.js";
import type { Remote } from "../src/internal/remote.js";

const MiB = 1024 * 1024;
/** A registry's Remote, as the pace keys it (only its identity counts). */
const remote = () => ({}) as Remote;

describe("segment pace", () => {
  it("a registry not measured yet: a 1 MiB first segment (or the store's smaller one), 30 s plus 32 KiB/s", () => {
    const r = remote();
    expect(segmentSize(r, 16 * MiB)).toBe(MiB);
    expect(segmentSize(r, 4096)).toBe(4096);
    expect(segmentDeadline(r, MiB)).toBe(30_000 + 32_000);
  });

  it("a fast registry: segments of the store's size, at most 16 MiB, each given four times its time plus 30 s", () => {
    const r = remote();
    noteSegment(r, MiB, 100); // 10 MiB/s
    expect(segmentSize(r, 64 * MiB)).toBe(16 * MiB);
    expect(segmentSize(r, 4 * MiB)).toBe(4 * MiB);
    expect(segmentDeadline(r, 16 * MiB)).toBe(30_000 + 4 * 1600);
  });

  it("a slow registry: segments of ~8 s at its rate, no smaller than 256 KiB, a stall caught within about a minute", () => {
    const r = remote();
    noteSegment(r, MiB, 4000); // 256 KiB/s
    expect(segmentSize(r, 16 * MiB)).toBe(2 * MiB);
    expect(segmentDeadline(r, 2 * MiB)).toBe(30_000 + 4 * 8000);
    noteSegment(r, MiB, 60_000); // ~17 KiB/s
    expect(segmentSize(r, 16 * MiB)).toBe(256 * 1024);
    expect(segmentDeadline(r, 256 * 1024)).toBe(30_000 + 4 * 15_000);
  });

  it("a small read is not a rate: it is not noted", () => {
    const r = remote();
    noteSegment(r, 64 * 1024, 1000);
    expect(segmentSize(r, 16 * MiB)).toBe(MiB);
  });
});
