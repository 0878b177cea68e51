import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  CLIENT_ERROR_CODES,
  isOciError,
  isOciErrorCode,
  OciError,
  REGISTRY_ERROR_CODES,
  toOciError,
} from "../src/index.js";

describe("OciError", () => {
  it("carries code, status, registry errors, cause and detail", () => {
    const cause = new Error("boom");
    const e = new OciError("MANIFEST_UNKNOWN", "no such tag", {
      status: 404,
      errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown", detail: { Tag: "x" } }],
      method: "GET",
      url: "http://r/v2/a/manifests/x",
      cause,
      detail: { tag: "x" },
    });
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.status, e.cause, e.temporary]).toEqual([
      "OciError",
      "MANIFEST_UNKNOWN",
      404,
      cause,
      false,
    ]);
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ code: "MANIFEST_UNKNOWN", status: 404, errors: [{}] });
    expect(new OciError("TOOMANYREQUESTS", "slow down").temporary).toBe(true);
  });

  it("has the 14 distribution-spec codes", () => {
    expect(REGISTRY_ERROR_CODES).toHaveLength(14);
    expect(isOciErrorCode("DENIED")).toBe(true);
    expect(isOciErrorCode("STORE")).toBe(true);
    expect(isOciErrorCode("WHATEVER")).toBe(false);
    expect(new Set([...REGISTRY_ERROR_CODES, ...CLIENT_ERROR_CODES]).size).toBe(
      REGISTRY_ERROR_CODES.length + CLIENT_ERROR_CODES.length,
    );
  });

  it("is recognised across duplicate copies of the package", async () => {
    // A second module instance of the built file stands for a second copy of @toci/spec-types in node_modules.
    const url = `${pathToFileURL(new URL("../dist/errors.js", import.meta.url).pathname).href}?copy=2`;
    const other = (await import(/* @vite-ignore */ url)) as typeof import("../src/errors.js");
    const foreign = new other.OciError("DENIED", "x");
    expect(foreign instanceof OciError).toBe(false);
    expect(isOciError(foreign)).toBe(true);
    expect(other.isOciError(new OciError("DENIED", "y"))).toBe(true);
    expect(isOciError(new Error("x"))).toBe(false);
    expect(isOciError({ code: "DENIED" })).toBe(false);
    expect(isOciError(null)).toBe(false);
  });

  it("toOciError keeps OciErrors and maps AbortError and TimeoutError", () => {
    const e = new OciError("STORE", "x");
    expect(toOciError(e, "NETWORK")).toBe(e);
    expect(toOciError(new DOMException("a", "AbortError"), "NETWORK").code).toBe("ABORTED");
    expect(toOciError(new DOMException("t", "TimeoutError"), "NETWORK").code).toBe("TIMEOUT");
    const wrapped = toOciError(new TypeError("fetch failed"), "NETWORK", "GET http://x");
    expect([wrapped.code, wrapped.message]).toEqual(["NETWORK", "GET http://x: fetch failed"]);
  });
});
