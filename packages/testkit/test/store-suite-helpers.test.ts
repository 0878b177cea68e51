import { createHasher } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import { byteBody, describePattern, expectCode, pattern, randomBytes } from "../src/store-suite.js";

describe("store-suite helpers", () => {
  it("pattern is deterministic, sized exactly, and seeded", async () => {
    const collect = (size: number, seed: number) => {
      const out: number[] = [];
      for (const chunk of pattern(size, seed, 64)) out.push(...chunk);
      return out;
    };
    expect(collect(200, 1)).toEqual(collect(200, 1));
    expect(collect(200, 1)).not.toEqual(collect(200, 2));
    expect(collect(200, 1)).toHaveLength(200);
    expect(collect(0, 1)).toHaveLength(0);
  });

  it("describePattern hashes the same bytes pattern yields", async () => {
    const size = 3 * 1024 * 1024 + 5;
    const hasher = await createHasher("sha256");
    for (const chunk of pattern(size, 9)) hasher.update(chunk);
    expect(await describePattern(size, 9)).toMatchObject({ digest: hasher.digest(), size });
  });

  it("byteBody streams its bytes in pieces, then ends or fails, and tells whether it was cancelled", async () => {
    const bytes = randomBytes(700_000);
    const read = async (body: ReadableStream<Uint8Array>) => {
      const reader = body.getReader();
      const pieces: Uint8Array[] = [];
      for (let r = await reader.read(); !r.done; r = await reader.read()) pieces.push(r.value);
      return pieces;
    };
    const pieces = await read(byteBody(bytes).body);
    expect(pieces.map((p) => p.byteLength)).toEqual([300_000, 300_000, 100_000]);
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true);
    await expect(read(byteBody(bytes, { fail: new TypeError("cut") }).body)).rejects.toThrow("cut");
    const { body, seen } = byteBody(bytes);
    await body.cancel();
    expect(seen.cancelled).toBe(true);
  });

  it("expectCode fails on a resolved promise and on another code", async () => {
    await expect(expectCode(Promise.resolve(1), "STORE")).rejects.toThrow();
    await expect(expectCode(Promise.reject(new Error("plain")), "STORE")).rejects.toThrow();
  });
});
