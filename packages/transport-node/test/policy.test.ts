// Unit tests of the decisions behind the transport (the retry, redirect and Warning rules are spec-types', tested
// there): option normalisation.

import { describe, expect, it } from "vitest";
import { normalizeOptions } from "../src/options.js";

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
      userAgent: "toci",
      maxSockets: 16,
      keepAliveTimeout: 15_000,
      ca: undefined,
      insecure: false,
      retry: {
        limit: 2,
        methods: ["GET", "HEAD", "PUT", "DELETE"],
        statusCodes: [408, 429, 500, 502, 503, 504],
        backoffBase: 250,
        backoffMax: 10_000,
        maxRetryAfter: 60_000,
      },
    });
    expect(normalizeOptions({ ca: "PEM" }).ca).toEqual(["PEM"]);
    expect(normalizeOptions({ ca: ["A", "B"] }).ca).toEqual(["A", "B"]);
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
    { maxSockets: 0 },
    { keepAliveTimeout: -5 },
  ])("rejects %j with INVALID_ARGUMENT", (options) => {
    expect(() => normalizeOptions(options)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});
