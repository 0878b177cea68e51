import { createHasher } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import { describePattern, expectCode, pattern } from "../src/store-suite.js";

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

  it("expectCode fails on a resolved promise and on another code", async () => {
    await expect(expectCode(Promise.resolve(1), "STORE")).rejects.toThrow();
    await expect(expectCode(Promise.reject(new Error("plain")), "STORE")).rejects.toThrow();
  });
});
