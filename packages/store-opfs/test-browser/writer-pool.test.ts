// The pool's choice of worker (src/internal/writer-pool.ts), over stand-in channels: the live one with the fewest
// open ingests, each ingest counted until it is committed, aborted or closed (or fails to open), a dead one skipped.
import type { Descriptor, Ingest } from "@toci/spec-types";
import { expect, it } from "vitest";
import type { WorkerChannel } from "../dist/internal/rpc.js";
import { writerPool } from "../dist/internal/writer-pool.js";

interface Stand {
  channel: WorkerChannel;
  dead: boolean;
}

function stands(n: number): Stand[] {
  return Array.from({ length: n }, () => {
    const stand = { dead: false } as Stand;
    stand.channel = {
      get ended() {
        return stand.dead;
      },
      call: async () => undefined as never,
      close() {
        stand.dead = true;
      },
    } as WorkerChannel;
    return stand;
  });
}

const descriptor = { mediaType: "application/octet-stream", digest: `sha256:${"0".repeat(64)}`, size: 1 } as Descriptor;
const ingestOn = (channel: WorkerChannel, log: WorkerChannel[]): Promise<Ingest> => {
  log.push(channel);
  return Promise.resolve({
    descriptor,
    offset: 0,
    write: async () => {},
    commit: async () => {},
    abort: async () => {},
    close: async () => {},
  });
};

it("opens each ingest on the worker with the fewest open, until one is committed, aborted or closed", async () => {
  const workers = stands(2);
  let next = 0;
  const pool = await writerPool(async () => workers[next++]!.channel, 2);
  const log: WorkerChannel[] = [];
  const open = () => pool.ingest((channel) => ingestOn(channel, log));
  const [w0, w1] = workers.map((w) => w.channel);

  const a = await open();
  const b = await open();
  expect(log).toEqual([w0, w1]);
  // Each step leaves the counts so that the next ingest goes to w1 only if the last end was counted, once.
  await b.commit(); // [1, 0]
  const c = await open();
  expect(log.at(-1)).toBe(w1);
  await c.abort(); // [1, 0]
  const d = await open();
  expect(log.at(-1)).toBe(w1);
  await d.close();
  await d.close(); // [1, 0]: ended once only
  await open(); // [1, 1]
  expect(log.at(-1)).toBe(w1);
  await open(); // [2, 1]: a tie goes to the first
  expect(log.at(-1)).toBe(w0);
  await expect(pool.ingest(() => Promise.reject(new Error("no room")))).rejects.toThrow("no room"); // on w1, uncounted
  await open();
  expect(log.at(-1)).toBe(w1);
  await a.commit();
});

it("skips a worker that died, and uses a dead one only when none is alive", async () => {
  const workers = stands(2);
  let next = 0;
  const pool = await writerPool(async () => workers[next++]!.channel, 2);
  const log: WorkerChannel[] = [];
  workers[0]!.dead = true;
  await pool.ingest((channel) => ingestOn(channel, log));
  await pool.ingest((channel) => ingestOn(channel, log));
  expect(log).toEqual([workers[1]!.channel, workers[1]!.channel]);
  workers[1]!.dead = true;
  await pool.ingest((channel) => ingestOn(channel, log));
  expect(log).toHaveLength(3);
});

it("fails to start when a worker cannot, closing the ones that did", async () => {
  const workers = stands(3);
  let next = 0;
  const start = async () => {
    const i = next++;
    if (i === 1) throw new Error("cannot load");
    return workers[i]!.channel;
  };
  await expect(writerPool(start, 3)).rejects.toThrow("cannot load");
  expect([workers[0]!.dead, workers[2]!.dead]).toEqual([true, true]);
});
