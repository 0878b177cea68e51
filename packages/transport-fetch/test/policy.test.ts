// Unit tests of what only fetchTransport decides (the retry, redirect and Warning rules and the common options are
// spec-types', tested there): redirect-mode detection and the fetch-only options.

import { describe, expect, it } from "vitest";
import { normalizeOptions } from "../src/options.js";
import { detectRedirectMode } from "../src/redirect.js";

describe("redirect mode", () => {
  it("detects where fetch must follow redirects itself, from the global object alone", () => {
    expect(detectRedirectMode({})).toBe("manual");
    expect(detectRedirectMode({ process: {} })).toBe("manual");
    expect(detectRedirectMode({ document: {} })).toBe("follow");
    expect(detectRedirectMode({ WorkerGlobalScope: class {} })).toBe("follow");
    expect(detectRedirectMode(globalThis)).toBe("manual");
  });
});

describe("options", () => {
  it("fills the fetch-only defaults on top of the common ones", () => {
    expect(normalizeOptions()).toMatchObject({ redirectMode: "manual", keepAliveHead: true, userAgent: "toci" });
    expect(normalizeOptions({ redirectMode: "follow" }).userAgent).toBeUndefined();
    expect(normalizeOptions({ fetch: globalThis.fetch }).keepAliveHead).toBe(false);
  });

  it("checks the common options (spec-types' normalisation)", () => {
    expect(() => normalizeOptions({ timeout: -1 })).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});
