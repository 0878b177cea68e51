// passBytes, the one pass-through byte stream of toci (the client's verification, push bodies and low-speed rule,
// and fetchTransport's response bodies): how it opens its source, the error a hook makes of a failure, and the
// source's cancellation in a watcher's hands. The byte paths through the client's layers are the client's
// byte-paths.test.ts.
import { describe, expect, it } from "vitest";
import { passBytes } from "../src/index.js";

/** A byte stream of `size` bytes in chunks of `chunk`, recording the size of the view each pull was lent (0: none). */
function byteSource(size: number, chunk: number, views: number[]): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const request = controller.byobRequest;
      views.push(request?.view?.byteLength ?? 0);
      if (at >= size) {
        controller.close();
        request?.respond(0);
        return;
      }
      const n = Math.min(chunk, size - at, request?.view?.byteLength ?? chunk);
      at += n;
      if (request?.view) request.respond(n);
      else controller.enqueue(new Uint8Array(n));
    },
  });
}

async function readAllDefault(stream: ReadableStream<Uint8Array>): Promise<number[]> {
  const sizes: number[] = [];
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) sizes.push(r.value.byteLength);
  return sizes;
}

describe("passBytes", () => {
  it("gives a default reader the source's own chunks, not a buffer of its own per read", async () => {
    const views: number[] = [];
    const sizes = await readAllDefault(passBytes(byteSource(10_000, 1000, views), {}));
    expect(sizes).toEqual(Array(10).fill(1000));
    expect(views.every((v) => v === 0)).toBe(true);
  });

  it("lends a BYOB reader's buffer to a byte-stream source", async () => {
    const views: number[] = [];
    const reader = passBytes(byteSource(10_000, 4000, views), {}).getReader({ mode: "byob" });
    let total = 0;
    for (let r = await reader.read(new Uint8Array(3000)); !r.done; r = await reader.read(new Uint8Array(3000))) {
      total += r.value.byteLength;
    }
    expect(total).toBe(10_000);
    expect(views.every((v) => v === 3000)).toBe(true);
  });

  it("fails the stream with what `mapError` makes of the source's error, which `failed` hears", async () => {
    const socket = new Error("terminated");
    const source = new ReadableStream<Uint8Array>({
      pull() {
        throw socket;
      },
    });
    const mapped = new Error("NETWORK: terminated");
    const heard: unknown[] = [];
    const seen: unknown[] = [];
    const stream = passBytes(source, {
      mapError(error) {
        seen.push(error);
        return mapped;
      },
      failed: (error) => heard.push(error),
    });
    await expect(readAllDefault(stream)).rejects.toBe(mapped);
    expect(seen).toEqual([socket]);
    expect(heard).toEqual([mapped]);
    // A hook's own error, with no `failed` to map it, is what the reader gets; the source is cancelled with it.
    let cancelled: unknown;
    const source2 = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(10)),
      cancel(reason) {
        cancelled = reason;
      },
    });
    const refused = new Error("wrong content");
    const watched = passBytes(source2, {
      chunk: () => {
        throw refused;
      },
    });
    await expect(readAllDefault(watched)).rejects.toBe(refused);
    expect(cancelled).toBe(refused);
  });

  it("hands the watcher a cancel of the source, whose pending read then ends in what `read` throws", async () => {
    let cancelled: unknown;
    const source = new ReadableStream<Uint8Array>({
      pull: () => new Promise(() => {}), // a body that stopped sending
      cancel(reason) {
        cancelled = reason;
      },
    });
    let cancel!: (reason: unknown) => Promise<void>;
    const cut = new Error("cut");
    let reads = 0;
    const stream = passBytes(source, {
      open: (c) => {
        cancel = c;
      },
      read() {
        reads++;
        if (cancelled) throw cut;
      },
    });
    const reading = readAllDefault(stream);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await cancel(cut);
    await expect(reading).rejects.toBe(cut);
    expect(cancelled).toBe(cut);
    expect(reads).toBe(1);
  });
});
