// The policy both transports share, tested once: option normalisation (defaults, ranges, retry methods), request
// checks (INVALID_ARGUMENT before anything is sent), and failures mapped onto NETWORK / TIMEOUT / ABORTED.
import { describe, expect, it } from "vitest";
import {
  abortError,
  checkRequest,
  isOciError,
  normalizeTransportOptions,
  type TransportRequest,
  transportError,
} from "../src/index.js";

describe("normalizeTransportOptions", () => {
  it("fills every default", () => {
    expect(normalizeTransportOptions({}, "toci")).toEqual({
      timeout: 30_000,
      idleTimeout: 30_000,
      maxRedirects: 10,
      allowInsecureRedirects: false,
      onWarning: undefined,
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
    expect(normalizeTransportOptions({}, undefined).userAgent).toBeUndefined();
    expect(normalizeTransportOptions({ userAgent: "me" }, undefined).userAgent).toBe("me");
  });

  it("keeps defaults for fields given as undefined, and takes the others", () => {
    expect(normalizeTransportOptions({ retry: { limit: undefined, backoffBase: 5 } }, "toci").retry).toMatchObject({
      limit: 2,
      backoffBase: 5,
    });
    expect(normalizeTransportOptions({ retry: false }, "toci").retry.limit).toBe(0);
  });

  it("never lets POST or PATCH be retried, even when a caller lists them; methods are upper-cased", () => {
    const methods = ["post", "PATCH", "get"] as unknown as ("GET" | "POST")[];
    expect(normalizeTransportOptions({ retry: { methods } }, "toci").retry.methods).toEqual(["GET"]);
  });

  it.each([
    { timeout: -1 },
    { idleTimeout: Number.NaN },
    { maxRedirects: 1.5 },
    { retry: { limit: -1 } },
    { retry: { backoffMax: 2 ** 31 } },
    { timeout: 2 ** 31 },
  ])("rejects %j with INVALID_ARGUMENT", (options) => {
    expect(() => normalizeTransportOptions(options, "toci")).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});

describe("checkRequest", () => {
  const make = (init: Record<string, string> | undefined) => new Headers(init);

  it("upper-cases the method and parses the URL and headers", () => {
    const checked = checkRequest({ method: "get" as "GET", url: "https://r.io/v2/", headers: { Accept: "a/b" } }, make);
    expect(checked.method).toBe("GET");
    expect(checked.url.href).toBe("https://r.io/v2/");
    expect(checked.headers.get("accept")).toBe("a/b");
  });

  it.each<[string, Partial<TransportRequest>]>([
    ["an unknown method", { method: "TRACE" as "GET" }],
    ["a relative URL", { url: "/v2/" }],
    ["another scheme", { url: "ftp://r.io/v2/" }],
    ["credentials in the URL", { url: "https://user:pass@r.io/v2/" }],
    ["a GET with a body", { body: "x" }],
    ["a HEAD with a body", { method: "HEAD", body: new Uint8Array(1) }],
    ["a header name that is not a token", { headers: { "bad name": "x" } }],
    ["a header value with a line break", { headers: { x: "a\r\nb: c" } }],
  ])("refuses %s with INVALID_ARGUMENT", (_what, change) => {
    const request: TransportRequest = { method: "GET", url: "https://r.io/v2/", ...change };
    expect(() => checkRequest(request, make)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});

describe("transportError", () => {
  const context = { method: "GET", url: "https://r.io/v2/" };

  it("maps a Node error to NETWORK with its code in the message and the error as the cause", () => {
    const cause = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const error = transportError(cause, context);
    expect(error).toMatchObject({ code: "NETWORK", message: "GET https://r.io/v2/: socket hang up (ECONNRESET)" });
    expect(error.cause).toBe(cause);
  });

  it("brings undici's hidden reason to the message", () => {
    const cause = new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
    expect(transportError(cause, context).message).toContain("fetch failed (ECONNREFUSED)");
  });

  it("is ABORTED once the caller's signal fired, whatever failed, and for an AbortError", () => {
    const controller = new AbortController();
    controller.abort();
    expect(transportError(new Error("reset"), { ...context, signal: controller.signal }).code).toBe("ABORTED");
    expect(transportError(new DOMException("x", "AbortError"), context).code).toBe("ABORTED");
    expect(abortError(context).code).toBe("ABORTED");
  });

  it("is TIMEOUT for a TimeoutError, and passes an OciError through", () => {
    expect(transportError(new DOMException("x", "TimeoutError"), context).code).toBe("TIMEOUT");
    const own = abortError(context);
    expect(transportError(own, context)).toBe(own);
    expect(isOciError(transportError("text", context))).toBe(true);
  });
});
