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

  it("ends at a quoted value left open at the end of the header, and so do the challenges", () => {
    // The cursor parser this replaced stepped past the end there, a sticky regex put it back at 0, and it parsed the
    // header again, forever, one more challenge each time (out of memory in seconds): a hostile registry's 401 hung
    // the client.
    expect(parseChallenges('Bearer realm="x')).toEqual([{ scheme: "bearer", params: { realm: "x" } }]);
    expect(parseChallenges('r,\tBearer\trealm="realm')).toEqual([
      { scheme: "r", params: {} },
      { scheme: "bearer", params: { realm: "realm" } },
    ]);
    expect(parseChallenges('Basic realm="a\\')).toEqual([{ scheme: "basic", params: { realm: "a\\" } }]);
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

  it("property: challenges written by the grammar parse back, quoted values with commas and escapes included", () => {
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,10}$/);
    const challenge = fc.record({
      scheme: token,
      params: fc.uniqueArray(fc.tuple(token, fc.string({ maxLength: 30 }), fc.boolean()), {
        maxLength: 4,
        selector: ([name]) => name.toLowerCase(),
      }),
    });
    const ows = fc.constantFrom("", " ", "  ", "\t");
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 3 }), ows, (challenges, sp) => {
        const header = challenges
          .map(({ scheme, params }) => {
            const list = params.map(([name, value, bare]) => {
              // A value that is a token may go bare; anything else is a quoted-string with `"` and `\` escaped.
              const written =
                bare && /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`;
              return `${name}${sp}=${sp}${written}`;
            });
            return `${scheme} ${list.join(`${sp},${sp}`)}`;
          })
          .join(`${sp},${sp}`);
        expect(parseChallenges(header)).toEqual(
          challenges.map(({ scheme, params }) => ({
            scheme: scheme.toLowerCase(),
            params: Object.fromEntries(params.map(([name, value]) => [name.toLowerCase(), value])),
          })),
        );
      }),
      { numRuns: 1000 },
    );
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

  it("property: the first link whose rel names next wins, whatever the others and their quoted parameters say", () => {
    const link = fc.record({
      target: fc.oneof(
        fc.webUrl({ withQueryParameters: true }),
        fc.stringMatching(/^\/v2\/[a-z0-9/]{1,20}\?n=[0-9]{1,3}(&last=[a-z0-9%,]{1,10})?$/),
      ),
      rel: fc.constantFrom("next", "prev", "last", "first", "prev next", "NEXT", "nextish"),
      quoted: fc.boolean(),
      title: fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("; rel=next", 'a, <b>; rel="next"')), {
        nil: undefined,
      }),
    });
    fc.assert(
      fc.property(fc.array(link, { minLength: 1, maxLength: 4 }), (links) => {
        const header = links
          .map(({ target, rel, quoted, title }) => {
            const titleParam = title === undefined ? "" : `; title="${title.replace(/["\\]/g, "\\$&")}"`;
            const relParam = quoted || rel.includes(" ") ? `rel="${rel}"` : `rel=${rel}`;
            return `<${target}>${titleParam}; ${relParam}`;
          })
          .join(", ");
        const next = links.find(({ rel }) => rel.toLowerCase().split(" ").includes("next"));
        expect(nextLink(header, base)).toBe(next ? new URL(next.target, base).href : undefined);
      }),
      { numRuns: 1000 },
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

  it("property: any range written in the grammar parses back; numbers past 2^53 are refused, not rounded", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.maxSafeNat(), fc.maxSafeNat(), fc.option(fc.maxSafeNat(), { nil: undefined })),
        ([a, b, c]) => {
          const [first, last] = a <= b ? [a, b] : [b, a];
          const header = `bytes ${first}-${last}/${c ?? "*"}`;
          const valid = c === undefined || last < c;
          expect(parseContentRange(header)).toEqual(valid ? { first, last, complete: c } : undefined);
        },
      ),
      { numRuns: 1000 },
    );
    // 2^53 + 1 reads as 2^53: a first byte past the last one would pass as equal to it.
    expect(parseContentRange("bytes 9007199254740993-9007199254740992/*")).toBeUndefined();
    expect(parseContentRange("bytes 0-9007199254740992/*")).toBeUndefined();
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
