import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatPlatform,
  isOciError,
  normalizePlatform,
  type Platform,
  parsePlatform,
  platformMatcher,
  platformMatches,
  selectPlatform,
} from "../src/index.js";

describe("platforms", () => {
  it.each([
    [
      { os: "linux", architecture: "aarch64" },
      { os: "linux", architecture: "arm64" },
    ],
    [
      { os: "linux", architecture: "arm64", variant: "v8" },
      { os: "linux", architecture: "arm64" },
    ],
    [
      { os: "Linux", architecture: "x86_64" },
      { os: "linux", architecture: "amd64" },
    ],
    [
      { os: "linux", architecture: "amd64", variant: "v1" },
      { os: "linux", architecture: "amd64" },
    ],
    [
      { os: "linux", architecture: "arm" },
      { os: "linux", architecture: "arm", variant: "v7" },
    ],
    [
      { os: "linux", architecture: "armhf" },
      { os: "linux", architecture: "arm", variant: "v7" },
    ],
    [
      { os: "linux", architecture: "armel" },
      { os: "linux", architecture: "arm", variant: "v6" },
    ],
    [
      { os: "linux", architecture: "arm", variant: "6" },
      { os: "linux", architecture: "arm", variant: "v6" },
    ],
    [
      { os: "macos", architecture: "i386" },
      { os: "darwin", architecture: "386" },
    ],
  ] as Array<[Platform, Platform]>)("normalises %j", (input, expected) => {
    expect(normalizePlatform(input)).toEqual(expected);
  });

  it("matches arm64 and arm64/v8 both ways", () => {
    expect(platformMatches(parsePlatform("linux/arm64"), { os: "linux", architecture: "arm64", variant: "v8" })).toBe(
      true,
    );
    expect(platformMatches(parsePlatform("linux/arm64/v8"), { os: "linux", architecture: "arm64" })).toBe(true);
    expect(platformMatches(parsePlatform("linux/arm64"), { os: "linux", architecture: "amd64" })).toBe(false);
    expect(platformMatches(parsePlatform("linux/arm/v7"), { os: "linux", architecture: "arm", variant: "v6" })).toBe(
      false,
    );
    expect(platformMatches(parsePlatform("linux/arm/v7"), { os: "linux", architecture: "arm" })).toBe(true);
    expect(platformMatches(parsePlatform("windows/amd64"), { os: "linux", architecture: "amd64" })).toBe(false);
  });

  it("first match wins (image-spec image-index.md)", () => {
    const entries = [
      { platform: { os: "linux", architecture: "amd64" } },
      { platform: { os: "linux", architecture: "arm", variant: "v6" } },
      { platform: { os: "linux", architecture: "arm", variant: "v7" } },
      { platform: { os: "linux", architecture: "arm64", variant: "v8" } },
      { platform: { os: "linux", architecture: "arm64" } },
    ];
    expect(selectPlatform(entries, platformMatcher("linux/arm64"))).toBe(3);
    expect(selectPlatform(entries, platformMatcher("linux/arm"))).toBe(1);
    expect(selectPlatform(entries, platformMatcher("linux/arm/v7"))).toBe(2);
    expect(selectPlatform(entries, platformMatcher("linux/s390x"))).toBe(-1);
    expect(selectPlatform([{}, ...entries], platformMatcher("linux/amd64"))).toBe(1);
  });

  it("parses and formats os/arch[/variant]", () => {
    expect(parsePlatform("linux/arm/v7")).toEqual({ os: "linux", architecture: "arm", variant: "v7" });
    expect(formatPlatform(parsePlatform("linux/amd64"))).toBe("linux/amd64");
    for (const bad of ["", "linux", "linux/", "a/b/c/d", "linux/am d64"]) {
      expect(() => parsePlatform(bad)).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });

  it("property: parsePlatform returns a platform that formats back, or throws OciError", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."linux/amd64v7_.-"), maxLength: 30 }), (s) => {
        try {
          expect(formatPlatform(parsePlatform(s))).toBe(s);
        } catch (e) {
          expect(isOciError(e)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
