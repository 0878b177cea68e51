// Unit tests of the decisions behind the transport (the retry ladder is spec-types' retry-policy, tested there): redirect hops,
// redirect-mode detection, Warning parsing and option normalisation.

import { describe, expect, it } from "vitest";
import { normalizeOptions } from "../src/options.js";
import { detectRedirectMode, type Hop, nextHop, sameOrigin } from "../src/redirect.js";
import { parseWarnings } from "../src/warning.js";

describe("redirect hops", () => {
  const hop = (url: string, method = "GET"): Hop => ({
    url: new URL(url),
    method,
    headers: new Headers({ authorization: "Bearer t", cookie: "c=1", "content-type": "text/plain", accept: "*/*" }),
    keepBody: true,
  });
  const opts = { allowInsecureRedirects: false, replayableBody: true, hasBody: false };

  it("origins differ by scheme, host or port; default ports are the same port", () => {
    expect(sameOrigin(new URL("https://r.io/a"), new URL("https://r.io:443/b"))).toBe(true);
    expect(sameOrigin(new URL("http://r.io/a"), new URL("http://r.io:80/b"))).toBe(true);
    expect(sameOrigin(new URL("http://r.io/a"), new URL("https://r.io/a"))).toBe(false);
    expect(sameOrigin(new URL("http://127.0.0.1:5001/"), new URL("http://127.0.0.1:5002/"))).toBe(false);
    expect(sameOrigin(new URL("http://r.io/"), new URL("http://s.r.io/"))).toBe(false);
  });

  it("keeps credentials on the same origin, resolving a relative Location", () => {
    const next = nextHop(hop("https://r.io/v2/x"), 302, "/blobs/y#frag", opts) as Hop;
    expect(next.url.href).toBe("https://r.io/blobs/y");
    expect(next.headers.get("authorization")).toBe("Bearer t");
    expect(next.headers.get("cookie")).toBe("c=1");
  });

  it("drops Authorization, Cookie and Proxy-Authorization across origins, keeps the rest", () => {
    const next = nextHop(hop("https://r.io/v2/x"), 307, "https://storage.example/blob?sig=1", opts) as Hop;
    expect(next.headers.has("authorization")).toBe(false);
    expect(next.headers.has("cookie")).toBe(false);
    expect(next.headers.get("accept")).toBe("*/*");
    expect(
      (nextHop(hop("http://127.0.0.1:1/"), 302, "http://127.0.0.1:2/", opts) as Hop).headers.has("authorization"),
    ).toBe(false);
    expect((nextHop(hop("http://r.io/"), 301, "https://r.io/", opts) as Hop).headers.has("authorization")).toBe(false);
  });

  it("refuses an https → http downgrade unless allowed", () => {
    expect(nextHop(hop("https://r.io/"), 302, "http://r.io/", opts)).toBe("downgrade");
    expect(nextHop(hop("https://r.io/"), 302, "http://r.io/", { ...opts, allowInsecureRedirects: true })).toMatchObject(
      {
        url: new URL("http://r.io/"),
      },
    );
  });

  it("refuses a missing or non-http Location", () => {
    expect(nextHop(hop("https://r.io/"), 302, null, opts)).toBe("no-location");
    expect(nextHop(hop("https://r.io/"), 302, "file:///etc/passwd", opts)).toBe("bad-location");
    expect(nextHop(hop("https://r.io/"), 302, "http://[::1", opts)).toBe("bad-location");
  });

  it("303, and 301/302 of a POST, become a GET without body headers; 307/308 keep everything", () => {
    for (const [status, method] of [
      [303, "PUT"],
      [302, "POST"],
      [301, "POST"],
    ] as const) {
      const next = nextHop(hop("https://r.io/", method), status, "/n", { ...opts, hasBody: true }) as Hop;
      expect(next).toMatchObject({ method: "GET", keepBody: false });
      expect(next.headers.has("content-type")).toBe(false);
    }
    expect(nextHop(hop("https://r.io/", "PUT"), 302, "/n", { ...opts, hasBody: true })).toMatchObject({
      method: "PUT",
      keepBody: true,
    });
    expect(nextHop(hop("https://r.io/", "PUT"), 308, "/n", { ...opts, hasBody: true })).toMatchObject({
      method: "PUT",
    });
    expect(nextHop(hop("https://r.io/", "HEAD"), 303, "/n", opts)).toMatchObject({ method: "HEAD" });
  });

  it("a stream body cannot follow a 307/308, but can follow a 303 (it is dropped)", () => {
    const streamed = { ...opts, hasBody: true, replayableBody: false };
    expect(nextHop(hop("https://r.io/", "PUT"), 307, "/n", streamed)).toBe("unreplayable-body");
    expect(nextHop(hop("https://r.io/", "PUT"), 303, "/n", streamed)).toMatchObject({ method: "GET" });
  });

  it("detects where fetch must follow redirects itself, from the global object alone", () => {
    expect(detectRedirectMode({})).toBe("manual");
    expect(detectRedirectMode({ process: {} })).toBe("manual");
    expect(detectRedirectMode({ document: {} })).toBe("follow");
    expect(detectRedirectMode({ WorkerGlobalScope: class {} })).toBe("follow");
    expect(detectRedirectMode(globalThis)).toBe("manual");
  });
});

describe("Warning headers", () => {
  it("reads 299 warnings, several per header, commas and escapes inside quotes", () => {
    expect(parseWarnings('299 - "a, b", 299 - "c \\"q\\""')).toEqual(["a, b", 'c "q"']);
    expect(parseWarnings('299 registry.io "x" "Sun, 29 Nov 2026 00:00:00 GMT"')).toEqual(["x"]);
    expect(parseWarnings('110 - "Response is Stale", 299 - "y"')).toEqual(["y"]);
    expect(parseWarnings(null)).toEqual([]);
    expect(parseWarnings("garbage")).toEqual([]);
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
