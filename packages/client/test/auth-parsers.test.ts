import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseChallenges } from "../src/internal/auth/challenge.js";
import { mergeScopes, repositoryScope, scopesCover } from "../src/internal/auth/scope.js";
import { TokenCache } from "../src/internal/auth/token-cache.js";
import { parseContentRange } from "../src/internal/content-range.js";
import { nextLink } from "../src/internal/link.js";

describe("WWW-Authenticate", () => {
  it("parses a distribution token challenge", () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.example.com/token",
          service: "registry.example.com",
          scope: "repository:a/b:pull,push",
        },
      },
    ]);
  });

  it("parses several challenges in one header, any case, quoted commas and escapes", () => {
    const got = parseChallenges(
      'Basic realm="Registry Realm, with a comma", BEARER Realm="https://a/t", Service=x, error="insufficient_scope", Newauth realm="q\\"uote"',
    );
    expect(got.map((c) => c.scheme)).toEqual(["basic", "bearer", "newauth"]);
    expect(got[0]!.params.realm).toBe("Registry Realm, with a comma");
    expect(got[1]!.params).toEqual({ realm: "https://a/t", service: "x", error: "insufficient_scope" });
    expect(got[2]!.params.realm).toBe('q"uote');
  });

  it("tolerates a Bearer challenge without scope or realm (koci threw)", () => {
    expect(parseChallenges('Bearer realm="https://a/t",service="s"')[0]!.params.scope).toBeUndefined();
    expect(parseChallenges("Bearer")).toEqual([{ scheme: "bearer", params: {} }]);
  });

  it("never throws on garbage", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(Array.isArray(parseChallenges(s))).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(parseChallenges("x".repeat(20_000))).toEqual([]);
  });
});

describe("Link", () => {
  const base = "https://r.example/v2/a/tags/list?n=2";
  it("follows rel=next, relative or absolute, among several links", () => {
    expect(nextLink('</v2/a/tags/list?n=2&last=b>; rel="next"', base)).toBe(
      "https://r.example/v2/a/tags/list?n=2&last=b",
    );
    expect(nextLink("<https://r.example/x>;rel=next", base)).toBe("https://r.example/x");
    expect(nextLink('<https://r.example/p>; rel="prev", <https://r.example/n>; rel="next"', base)).toBe(
      "https://r.example/n",
    );
    expect(nextLink('</v2/_catalog?last=mnt%2Fdest&n=2>; rel="next"', base)).toBe(
      "https://r.example/v2/_catalog?last=mnt%2Fdest&n=2",
    );
    expect(nextLink('<https://r.example/p>; rel="prev"', base)).toBeUndefined();
    expect(nextLink(null, base)).toBeUndefined();
  });

  it("never throws on garbage", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        const next = nextLink(s, base);
        if (next !== undefined) expect(() => new URL(next)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });
});

describe("Content-Range", () => {
  it("parses bytes first-last/complete", () => {
    expect(parseContentRange("bytes 10-19/2000")).toEqual({ first: 10, last: 19, complete: 2000 });
    expect(parseContentRange("bytes 0-0/*")).toEqual({ first: 0, last: 0, complete: undefined });
    for (const bad of ["", "10-19/2000", "bytes 19-10/2000", "bytes 10-2000/2000", "bytes a-b/c", "items 1-2/3"]) {
      expect(parseContentRange(bad)).toBeUndefined();
    }
  });
});

describe("scopes", () => {
  it("merges actions per resource into one scope, * absorbing the rest", () => {
    expect(
      mergeScopes([repositoryScope("a", "pull"), repositoryScope("a", "push"), repositoryScope("b", "pull")]),
    ).toEqual(["repository:a:pull,push", "repository:b:pull"]);
    expect(mergeScopes(["repository:a:pull", "repository:a:*"])).toEqual(["repository:a:*"]);
    expect(mergeScopes(["registry:catalog:*", "repository:host:5000/x:pull"])).toEqual([
      "registry:catalog:*",
      "repository:host:5000/x:pull",
    ]);
  });

  it("tells whether granted scopes cover needed ones", () => {
    expect(scopesCover(["repository:a:pull,push"], ["repository:a:pull"])).toBe(true);
    expect(scopesCover(["repository:a:pull"], ["repository:a:pull,push"])).toBe(false);
    expect(scopesCover(["repository:a:*"], ["repository:a:delete"])).toBe(true);
    expect(scopesCover(["repository:a:pull"], ["repository:b:pull"])).toBe(false);
    expect(scopesCover([], [])).toBe(true);
  });
});

describe("token cache", () => {
  it("expires tokens ahead of time and serves covering scopes", () => {
    let now = 0;
    const cache = new TokenCache(() => now);
    cache.set("realm", ["repository:a:pull,push"], "t1", 300);
    expect(cache.get("realm", ["repository:a:pull"])).toBe("t1");
    expect(cache.get("other", ["repository:a:pull"])).toBeUndefined();
    now = 269_000;
    expect(cache.get("realm", ["repository:a:pull"])).toBe("t1");
    now = 271_000; // 300 s minus a 30 s margin
    expect(cache.get("realm", ["repository:a:pull"])).toBeUndefined();
  });

  it("shares one in-flight request per key", async () => {
    const cache = new TokenCache();
    let calls = 0;
    const fetch = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return "tok";
    };
    const got = await Promise.all(Array.from({ length: 20 }, () => cache.singleFlight("r", ["s"], fetch)));
    expect(new Set(got)).toEqual(new Set(["tok"]));
    expect(calls).toBe(1);
  });

  it("forgets an invalidated token", () => {
    const cache = new TokenCache();
    cache.set("r", ["s"], "bad", 300);
    cache.invalidate("bad");
    expect(cache.get("r", ["s"])).toBeUndefined();
  });
});
