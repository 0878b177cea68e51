// Unit tests of the decisions behind the transport (the retry, redirect and Warning rules are spec-types', tested
// there): redirect-mode detection and option normalisation.

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
  it("never lets POST or PATCH be retried, even when a caller lists them", () => {
    expect(normalizeOptions({ retry: { methods: ["POST", "PATCH", "GET"] } }).retry.methods).toEqual(["GET"]);
    expect(normalizeOptions({ retry: false }).retry.limit).toBe(0);
  });

  it("fills every default", () => {
    const o = normalizeOptions();
    expect(o).toMatchObject({
      timeout: 30_000,
      idleTimeout: 30_000,
      maxRedirects: 10,
      allowInsecureRedirects: false,
      redirectMode: "manual",
      keepAliveHead: true,
      userAgent: "toci",
      retry: {
        limit: 2,
        methods: ["GET", "HEAD", "PUT", "DELETE"],
        statusCodes: [408, 429, 500, 502, 503, 504],
        backoffBase: 250,
        backoffMax: 10_000,
        maxRetryAfter: 60_000,
      },
    });
    expect(normalizeOptions({ redirectMode: "follow" }).userAgent).toBeUndefined();
    expect(normalizeOptions({ fetch: globalThis.fetch }).keepAliveHead).toBe(false);
    expect(normalizeOptions({ retry: { limit: undefined, backoffBase: 5 } }).retry).toMatchObject({
      limit: 2,
      backoffBase: 5,
    });
  });
  it.each([
    { timeout: -1 },
    { idleTimeout: Number.NaN },
    { maxRedirects: 1.5 },
    { retry: { limit: -1 } },
    { timeout: 2 ** 31 },
  ])("rejects %j with INVALID_ARGUMENT", (options) => {
    expect(() => normalizeOptions(options)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});
