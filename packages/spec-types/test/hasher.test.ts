import { createHash, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createHasher, hasherImplementation } from "../src/index.js";
import * as web from "../src/internal/hasher-web.js";

describe("hashers", () => {
  it("picks node:crypto under the node condition", () => {
    expect(hasherImplementation).toBe("node:crypto");
    expect(web.hasherImplementation).toBe("hash-wasm");
  });

  it.each(["sha256", "sha512"] as const)("node:crypto and hash-wasm agree on %s for any chunking", async (alg) => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 8 }), async (chunks) => {
        const a = await createHasher(alg);
        const b = await web.createHasher(alg);
        const ref = createHash(alg);
        for (const c of chunks) {
          a.update(c);
          b.update(c);
          ref.update(c);
        }
        const expected = `${alg}:${ref.digest("hex")}`;
        expect(a.digest()).toBe(expected);
        expect(b.digest()).toBe(expected);
      }),
      { numRuns: 100 },
    );
  });

  it("hash-wasm instances are independent", async () => {
    const data = randomBytes(1 << 16);
    const [x, y] = await Promise.all([web.createHasher("sha256"), web.createHasher("sha256")]);
    x.update(data);
    y.update(data.subarray(1));
    expect(x.digest()).not.toBe(y.digest());
  });
});
