// The redirect rules every transport follows (redirect-policy.ts): origins, credentials across origins, downgrades,
// and what a redirect does to the method and body.
import { describe, expect, it } from "vitest";
import { type Hop, nextHop, sameOrigin } from "../src/redirect-policy.js";

describe("redirect hops", () => {
  const hop = (url: string, method = "GET"): Hop => ({
    url: new URL(url),
    method,
    headers: new Headers({ authorization: "Bearer t", cookie: "c=1", "content-type": "text/plain", accept: "*/*" }),
    keepBody: true,
  });
  const opts = {
    allowInsecureRedirects: false,
    replayableBody: true,
    hasBody: false,
    copyHeaders: (h: Headers) => new Headers(h),
  };

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
});
