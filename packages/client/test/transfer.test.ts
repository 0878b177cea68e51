import { OciError, type TransferEvent } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../src/index.js";
import { blobReport, transfer } from "../src/internal/transfer.js";

async function collect(events: AsyncIterable<TransferEvent>): Promise<TransferEvent[]> {
  const out: TransferEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("transfer events", () => {
  it("starts only when iterated, reports monotonic progress and ends with progress 100 exactly once", async () => {
    let started = false;
    const events = transfer(
      async (r) => {
        started = true;
        r.addTotal(1000);
        for (let i = 0; i < 10; i++) {
          r.addDone(100);
          await tick();
        }
      },
      { logger: silentLogger, what: "t" },
    );
    await tick();
    expect(started).toBe(false);
    const got = await collect(events);
    expect(started).toBe(true);
    const last = got.at(-1)!;
    expect(last).toEqual({ type: "progress", percent: 100, bytes: 1000, totalBytes: 1000, transferredBytes: 0 });
    const percents = got.map((e) => (e.type === "progress" ? e.percent : -1));
    expect(percents.filter((p) => p === 100)).toHaveLength(1);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(percents.slice(0, -1).every((p) => p <= 99)).toBe(true);
  });

  it("never says 100 before the work returns, even when all bytes are done", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const it = transfer(
      async (r) => {
        r.addTotal(10);
        r.addDone(10);
        await gate;
      },
      { logger: silentLogger, what: "t" },
    )[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value).toMatchObject({ type: "progress", percent: 99 });
    release();
    expect((await it.next()).value).toMatchObject({ percent: 100 });
    expect((await it.next()).done).toBe(true);
  });

  it("ends with one failed event carrying the OciError, nothing after it", async () => {
    const got = await collect(
      transfer(
        async (r) => {
          r.addTotal(10);
          r.addDone(5);
          throw new OciError("DENIED", "no");
        },
        { logger: silentLogger, what: "t" },
      ),
    );
    expect(got.at(-1)).toMatchObject({ type: "failed", error: { code: "DENIED" } });
    expect(got.filter((e) => e.type === "failed")).toHaveLength(1);
  });

  it("aborts the work when the consumer leaves the loop, and on the caller's signal", async () => {
    let aborted = false;
    const work = async (r: { signal: AbortSignal; addTotal(n: number): void }) => {
      r.addTotal(1);
      await new Promise<void>((resolve) => r.signal.addEventListener("abort", () => resolve()));
      aborted = true;
    };
    for await (const _ of transfer(work, { logger: silentLogger, what: "t" })) break;
    await tick();
    expect(aborted).toBe(true);

    const controller = new AbortController();
    const pending = collect(transfer(work, { logger: silentLogger, what: "t", signal: controller.signal }));
    await tick();
    controller.abort();
    expect((await pending).at(-1)).toMatchObject({ type: "failed", error: { code: "ABORTED" } });
  });

  it("reports totals of zero as 0% then 100%", async () => {
    const got = await collect(transfer(async () => {}, { logger: silentLogger, what: "t" }));
    expect(got.at(-1)).toEqual({ type: "progress", percent: 100, bytes: 0, totalBytes: 0, transferredBytes: 0 });
  });

  it("counts a blob's progress forward only, and every byte that crossed the network, re-sent ones again", async () => {
    const got = await collect(
      transfer(
        async (r) => {
          r.addTotal(100);
          const blob = blobReport(r);
          blob.moved(60);
          blob.at(60);
          // The registry ignored Range: the blob starts over; progress stays at 60 until it passes it.
          blob.at(0);
          blob.moved(100);
          blob.at(100);
        },
        { logger: silentLogger, what: "t" },
      ),
    );
    const progress = got.filter((e) => e.type === "progress");
    expect(progress.map((e) => e.bytes)).toEqual([...progress.map((e) => e.bytes)].sort((a, b) => a - b));
    expect(got.at(-1)).toEqual({ type: "progress", percent: 100, bytes: 100, totalBytes: 100, transferredBytes: 160 });
  });
});
