// The byte paths of blob bodies: a reader with its own buffer has it filled by the source directly through every
// layer (body-reader.ts, spec-types' passBytes), and a caller's own memory is never taken from it.
import { passBytes } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import { readBody } from "../src/internal/body-reader.js";
import { lowSpeedGuard } from "../src/internal/low-speed.js";
import { oneShot } from "../src/internal/push/one-shot.js";

const data = new Uint8Array(700_000).map((_, i) => (i * 31 + (i >> 9)) & 0xff);

/** A byte stream over `data` that records, per pull, whether the reader lent it a buffer (and how large). */
function byteSource(bytes: Uint8Array, views: number[]): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const request = controller.byobRequest;
      if (at >= bytes.length) {
        controller.close();
        request?.respond(0);
        return;
      }
      if (request?.view) {
        const view = new Uint8Array(request.view.buffer, request.view.byteOffset, request.view.byteLength);
        const n = Math.min(view.length, bytes.length - at, 100_000);
        view.set(bytes.subarray(at, at + n));
        at += n;
        views.push(view.length);
        request.respond(n);
      } else {
        const n = Math.min(bytes.length - at, 100_000);
        views.push(0);
        controller.enqueue(bytes.slice(at, at + n));
        at += n;
      }
    },
  });
}

/** A plain stream handing out views of the caller's own `bytes` (what a user's stream may do). */
function plainSource(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, at + 150_000));
      at += 150_000;
    },
  });
}

/** A plain stream handing out Node Buffers over the caller's `bytes` (a Buffer's slice() is a view, not a copy). */
function bufferSource(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const n = Math.min(150_000, bytes.length - at);
      controller.enqueue(Buffer.from(bytes.buffer, bytes.byteOffset + at, n));
      at += n;
    },
  });
}

/** Byte equality without a deep comparison of every element (slow on ~1 MB). */
function same(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.byteLength).toBe(expected.byteLength);
  expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
}

async function readByob(stream: ReadableStream<Uint8Array>, size: number): Promise<Uint8Array> {
  const reader = stream.getReader({ mode: "byob" });
  const out = new Uint8Array(data.length + 10);
  let n = 0;
  let buffer = new ArrayBuffer(size);
  for (;;) {
    const { done, value } = await reader.read(new Uint8Array(buffer));
    if (done) break;
    out.set(value, n);
    n += value.byteLength;
    buffer = value.buffer;
  }
  return out.subarray(0, n);
}

describe("readBody", () => {
  it("reads a byte stream into one buffer of at most what is expected, which the source fills", async () => {
    const views: number[] = [];
    const chunks: Uint8Array[] = [];
    await readBody(byteSource(data, views), data.length, async (chunk) => {
      chunks.push(chunk.slice());
    });
    same(Buffer.concat(chunks), data);
    expect(views.length).toBeGreaterThan(1);
    expect(views.every((v) => v > 0 && v <= data.length)).toBe(true);

    const small: number[] = [];
    await readBody(byteSource(data.subarray(0, 5000), small), 5000, async () => {});
    expect(small).toEqual([5000]);
  });

  it("reads a stream that is not a byte stream with a default reader, and cancels the body when take fails", async () => {
    const chunks: Uint8Array[] = [];
    await readBody(plainSource(data), data.length, async (chunk) => {
      chunks.push(chunk.slice());
    });
    same(Buffer.concat(chunks), data);

    let cancelled: unknown;
    const body = new ReadableStream<Uint8Array>({
      type: "bytes",
      pull(controller) {
        controller.enqueue(new Uint8Array(10));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const refusal = new Error("no more");
    await expect(
      readBody(body, 100, async () => {
        throw refusal;
      }),
    ).rejects.toBe(refusal);
    expect(cancelled).toBe(refusal);
  });
});

describe("passBytes", () => {
  it("lets a BYOB reader's buffer reach a byte source, and sees every byte once", async () => {
    const views: number[] = [];
    let seen = 0;
    let ended = 0;
    const stream = passBytes(byteSource(data, views), {
      chunk: (bytes) => {
        seen += bytes.byteLength;
      },
      end: () => {
        ended++;
      },
    });
    same(await readByob(stream, 64 * 1024), data);
    expect(seen).toBe(data.length);
    expect(ended).toBe(1);
    // Every read of the source came with the reader's buffer (a TransformStream in between would lend none).
    expect(views.length).toBeGreaterThan(0);
    expect(views.every((v) => v === 64 * 1024)).toBe(true);
  });

  /** Reads `stream` (made over a copy of `data`, `mine`) with a default reader: all of it, and `mine` intact. */
  async function readsWithoutTaking(make: (mine: Uint8Array) => Promise<ReadableStream<Uint8Array>>): Promise<void> {
    const mine = data.slice();
    const reader = (await make(mine)).getReader();
    const out: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out.push(value);
    }
    same(Buffer.concat(out), data);
    expect(mine.byteLength).toBe(data.length); // not detached
    same(mine, data);
  }

  it("never takes a caller's memory: chunks of a plain stream are copied, the originals stay usable", async () => {
    await readsWithoutTaking(async (mine) => passBytes(plainSource(mine), {}));
  });

  it("never takes the memory behind a Node Buffer either, through a one-shot source's ranges", async () => {
    await readsWithoutTaking(async (mine) =>
      passBytes(await oneShot(bufferSource(mine), mine.length).range(0, mine.length), {}),
    );
  });

  it("fails the stream with what a hook throws, and tells `failed`", async () => {
    const failures: unknown[] = [];
    const wrong = new Error("wrong content");
    const stream = passBytes(byteSource(data, []), {
      end: () => {
        throw wrong;
      },
      failed: (error) => failures.push(error),
    });
    await expect(readByob(stream, 100_000)).rejects.toBe(wrong);
    expect(failures).toEqual([wrong]);
  });
});

describe("lowSpeedGuard", () => {
  it("hands a BYOB reader's buffer on to a byte-stream body, and gives every byte", async () => {
    const views: number[] = [];
    const guarded = lowSpeedGuard(byteSource(data, views), { limit: 1, time: 60_000 }, "GET test");
    same(await readByob(guarded, 64 * 1024), data);
    expect(views.length).toBeGreaterThan(0);
    expect(views.every((v) => v === 64 * 1024)).toBe(true);
  });

  it("gives a default reader the body's own chunks, not a buffer of its own per read", async () => {
    // A tag list or a manifest read whole: a 256 KiB buffer per read was four times node:http's CPU for a tag list.
    const views: number[] = [];
    const guarded = lowSpeedGuard(byteSource(data, views), { limit: 1, time: 60_000 }, "GET test");
    const reader = guarded.getReader();
    const parts: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
    same(Buffer.concat(parts), data);
    expect(views.length).toBeGreaterThan(0);
    expect(views.every((v) => v === 0)).toBe(true); // the source's own chunks: no view lent to it
  });

  it("serves a BYOB read after default ones, and the reverse, with every byte in order", async () => {
    for (const first of ["default", "byob"] as const) {
      const guarded = lowSpeedGuard(byteSource(data, []), { limit: 1, time: 60_000 }, "GET test");
      const parts: Uint8Array[] = [];
      const reader = guarded.getReader(first === "byob" ? { mode: "byob" } : undefined) as
        | ReadableStreamDefaultReader<Uint8Array>
        | ReadableStreamBYOBReader;
      const r =
        first === "byob"
          ? await (reader as ReadableStreamBYOBReader).read(new Uint8Array(30_000))
          : await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      parts.push(r.value!.slice());
      reader.releaseLock();
      if (first === "byob") {
        const rest = guarded.getReader();
        for (let x = await rest.read(); !x.done; x = await rest.read()) parts.push(x.value);
      } else {
        const rest = guarded.getReader({ mode: "byob" });
        for (let x = await rest.read(new Uint8Array(50_000)); !x.done; x = await rest.read(new Uint8Array(50_000))) {
          parts.push(x.value.slice());
        }
      }
      same(Buffer.concat(parts), data);
    }
  });
});

describe("a one-shot stream read in ranges", () => {
  for (const [name, make] of [
    ["byte stream", (views: number[]) => byteSource(data, views)],
    ["plain stream", () => plainSource(data.slice())],
  ] as const) {
    it(`gives exactly each range of a ${name}, to BYOB and default readers alike`, async () => {
      const views: number[] = [];
      const source = oneShot(make(views), data.length);
      const first = await readByob(await source.range(0, 250_001), 70_000);
      same(first, data.subarray(0, 250_001));
      // A byte source was read straight into the reader's 70 000-byte buffer.
      if (name === "byte stream") expect(views).toContain(70_000);
      // A gap is skipped; a default reader gets the next range.
      const reader = (await source.range(300_000, 600_000)).getReader();
      const parts: Uint8Array[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
      }
      same(Buffer.concat(parts), data.subarray(300_000, 600_000));
      const tail = await readByob(await source.range(600_000, data.length), 1 << 20);
      same(tail, data.subarray(600_000));
      await expect(source.range(0, 10)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    });
  }

  it("fails a range the stream ends before, with SIZE_MISMATCH", async () => {
    const source = oneShot(byteSource(data.subarray(0, 1000), []), 2000);
    await expect(readByob(await source.range(0, 2000), 4096)).rejects.toMatchObject({ code: "SIZE_MISMATCH" });
  });
});

describe("readBody of a small body", () => {
  it("hands a body of up to 256 KiB to take whole, however many reads it took", async () => {
    const views: number[] = [];
    const chunks: Uint8Array[] = [];
    const body = data.subarray(0, 250_000);
    await readBody(byteSource(body, views), body.length, async (chunk) => {
      chunks.push(chunk.slice());
    });
    expect(views.length).toBe(3); // the source gives at most 100 000 bytes a read
    expect(chunks.map((c) => c.byteLength)).toEqual([250_000]);
    same(chunks[0]!, body);
  });

  it("hands on what a body sends past its announced size, for take to refuse", async () => {
    const sizes: number[] = [];
    await readBody(byteSource(data.subarray(0, 150), []), 100, async (chunk) => {
      sizes.push(chunk.byteLength);
    });
    expect(sizes).toEqual([100, 50]);
  });
});
