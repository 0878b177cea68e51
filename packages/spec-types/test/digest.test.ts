import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDigest, isOciError, parseDigest, verifiableAlgorithm } from "../src/index.js";

const HEX64 = "0123456789abcdef".repeat(4);

describe("parseDigest", () => {
  it("parses sha256, sha512 and takes them apart", () => {
    expect(parseDigest(`sha256:${HEX64}`)).toEqual({
      digest: `sha256:${HEX64}`,
      algorithm: "sha256",
      encoded: HEX64,
      verifiable: true,
    });
    expect(parseDigest(`sha512:${HEX64}${HEX64}`).verifiable).toBe(true);
  });

  it("parses blake3 and unknown algorithms that fit the grammar, but cannot verify them", () => {
    expect(parseDigest(`blake3:${HEX64}`).verifiable).toBe(false);
    // image-spec descriptor.md example of an unregistered algorithm with separators.
    expect(parseDigest("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8").algorithm).toBe(
      "multihash+base58",
    );
    expect(verifiableAlgorithm("multihash+base58:Qm")).toBeUndefined();
    expect(verifiableAlgorithm(`sha512:${HEX64}`)).toBe("sha512");
  });

  it.each([
    ["empty", ""],
    ["no colon", HEX64],
    ["uppercase hex", `sha256:${HEX64.toUpperCase()}`],
    ["short sha256", `sha256:${HEX64.slice(1)}`],
    ["long sha256", `sha256:${HEX64}0`],
    ["non-hex sha256", `sha256:${"z".repeat(64)}`],
    ["sha512 of 64", `sha512:${HEX64}`],
    ["uppercase algorithm", `SHA256:${HEX64}`],
    ["empty encoded", "sha256:"],
    ["bad separator", `sha256+:${HEX64}`],
    ["space", `sha256: ${HEX64}`],
    ["huge", `x:${"a".repeat(5000)}`],
  ])("refuses %s with DIGEST_INVALID", (_name, value) => {
    expect(() => parseDigest(value)).toThrowError(expect.objectContaining({ code: "DIGEST_INVALID" }));
    expect(isDigest(value)).toBe(false);
  });

  it("property: any string parses to a digest that fits the grammar, or throws OciError", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(..."sha256:+._-0af"), maxLength: 80 })),
        (s) => {
          try {
            const d = parseDigest(s);
            expect(d.digest).toBe(s);
            expect(`${d.algorithm}:${d.encoded}`).toBe(s);
          } catch (e) {
            expect(isOciError(e)).toBe(true);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("property: every lowercase 64-hex sha256 is valid", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-f0-9]{64}$/), (hex) => {
        expect(isDigest(`sha256:${hex}`)).toBe(true);
      }),
    );
  });
});
