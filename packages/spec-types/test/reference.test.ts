import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isOciError, normalizeRegistry, normalizeRepository, parseReference, Reference } from "../src/index.js";

const HEX64 = "a".repeat(64);
const D256 = `sha256:${HEX64}`;
const D512 = `sha512:${"b".repeat(128)}`;

describe("parseReference: distribution/reference vectors", () => {
  // [input, registry, repository, tag, digest]
  const valid: Array<[string, string, string, string | undefined, string | undefined]> = [
    ["test_com", "docker.io", "library/test_com", "latest", undefined],
    ["test.com:tag", "docker.io", "library/test.com", "tag", undefined],
    ["test.com:5000", "docker.io", "library/test.com", "5000", undefined],
    ["test.com/repo:tag", "test.com", "repo", "tag", undefined],
    ["test:5000/repo", "test:5000", "repo", "latest", undefined],
    ["test:5000/repo:tag", "test:5000", "repo", "tag", undefined],
    [`test:5000/repo@${D256}`, "test:5000", "repo", undefined, D256],
    [`test:5000/repo:tag@${D256}`, "test:5000", "repo", "tag", D256],
    ["lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", undefined],
    ["sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", "latest", undefined],
    ["sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", undefined],
    [
      "b.gcr.io/test.example.com/my-app:test.example.com",
      "b.gcr.io",
      "test.example.com/my-app",
      "test.example.com",
      undefined,
    ],
    ["xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", undefined],
    [`xn--7o8h.com/myimage:xn--7o8h.com@${D512}`, "xn--7o8h.com", "myimage", "xn--7o8h.com", D512],
    ["foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", undefined],
    ["foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", undefined],
    ["[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", "latest", undefined],
    ["[2001:db8::1]/repo:v1", "[2001:db8::1]", "repo", "v1", undefined],
    ["[::1]:5000/a/b:c", "[::1]:5000", "a/b", "c", undefined],
    ["localhost/foo", "localhost", "foo", "latest", undefined],
    ["localhost:5000/foo/bar:v2", "localhost:5000", "foo/bar", "v2", undefined],
    ["127.0.0.1:5001/x", "127.0.0.1:5001", "x", "latest", undefined],
    ["ghcr.io/org/app__x-y.z:v1.0_rc-1", "ghcr.io", "org/app__x-y.z", "v1.0_rc-1", undefined],
    ["Docker.IO/foo/bar", "Docker.IO", "foo/bar", "latest", undefined],
  ];
  it.each(valid)("%s", (input, registry, repository, tag, digest) => {
    const ref = parseReference(input);
    expect(ref).toBeInstanceOf(Reference);
    expect([ref.registry, ref.repository, ref.tag, ref.digest]).toEqual([registry, repository, tag, digest]);
    expect(parseReference(ref.toString()).equals(ref)).toBe(true);
  });

  const invalid = [
    "",
    ":justtag",
    `@${D256}`,
    "repo@sha256:ffffffffffffffffffffffffffffffffff",
    "Uppercase:tag",
    "test:5000/Uppercase/lowercase:tag",
    "aa/asdf$$^/aa",
    "[fe80::1%eth0]:5000/repo",
    "-foo/bar",
    "foo/-bar",
    "foo.-com/bar",
    "repo:tag:tag",
    `repo:${"t".repeat(129)}`,
    `a/${"a".repeat(256)}`,
    "foo//bar",
    "foo/bar/",
    "test:abc/repo",
    "a/b@sha256:ABC",
  ];
  it.each(invalid)("refuses %j with REFERENCE_INVALID", (input) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (e) {
      caught = e;
    }
    expect(isOciError(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe("REFERENCE_INVALID");
  });
});

describe("parseReference: Docker Hub normalisation", () => {
  it.each([
    ["ubuntu", "docker.io/library/ubuntu:latest"],
    ["ubuntu:22.04", "docker.io/library/ubuntu:22.04"],
    ["library/ubuntu", "docker.io/library/ubuntu:latest"],
    ["docker.io/ubuntu", "docker.io/library/ubuntu:latest"],
    ["index.docker.io/ubuntu", "docker.io/library/ubuntu:latest"],
    ["index.docker.io/foo/bar:1", "docker.io/foo/bar:1"],
    ["bitnami/redis", "docker.io/bitnami/redis:latest"],
    [`ubuntu@${D256}`, `docker.io/library/ubuntu@${D256}`],
  ])("%s → %s", (input, full) => {
    expect(parseReference(input).toString()).toBe(full);
  });

  it("is one rule, exported: official images under library/ on Docker Hub only, its legacy host renamed", () => {
    expect(normalizeRepository("docker.io", "alpine")).toBe("library/alpine");
    expect(normalizeRepository("docker.io", "bitnami/redis")).toBe("bitnami/redis");
    expect(normalizeRepository("ghcr.io", "alpine")).toBe("alpine");
    expect(normalizeRepository("localhost:5000", "alpine")).toBe("alpine");
    expect(normalizeRegistry("index.docker.io")).toBe("docker.io");
    expect(normalizeRegistry("ghcr.io")).toBe("ghcr.io");
  });

  it("keeps a reference without a tag when defaultTag is false", () => {
    const ref = parseReference("localhost:5000/foo", { defaultTag: false });
    expect(ref.tag).toBeUndefined();
    expect(ref.reference).toBe("");
    expect(ref.toString()).toBe("localhost:5000/foo");
  });

  it("refuses a name without a host when defaultRegistry is false", () => {
    expect(() => parseReference("ubuntu", { defaultRegistry: false })).toThrowError(/no registry host/);
  });

  it("uses another default registry", () => {
    expect(parseReference("foo/bar", { defaultRegistry: "localhost:5000" }).toString()).toBe(
      "localhost:5000/foo/bar:latest",
    );
  });

  it("prefers the digest for what to fetch", () => {
    expect(parseReference(`a.io/b:t@${D256}`).reference).toBe(D256);
    expect(parseReference("a.io/b:t").reference).toBe("t");
  });

  it("withTag and withDigest", () => {
    const ref = parseReference("a.io/b:t");
    expect(ref.withTag("u").toString()).toBe("a.io/b:u");
    expect(ref.withDigest(D256).toString()).toBe(`a.io/b:t@${D256}`);
    expect(() => ref.withTag("-bad")).toThrowError(/invalid tag/);
  });
});

// Generators for references in canonical form (what toString prints).
const alnum = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const separator = fc.constantFrom(".", "_", "__", "-", "--");
const pathComponent = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(""));
const domainComponent = fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?$/);
const host = fc.oneof(
  fc
    .tuple(domainComponent, fc.array(domainComponent, { minLength: 1, maxLength: 3 }))
    .map(([a, b]) => [a, ...b].join(".")),
  fc.constant("localhost"),
  fc.ipV4(),
  fc.constantFrom("[::1]", "[2001:db8::1]"),
);
const registry = fc
  .tuple(host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
  .map(([h, port]) => (port === undefined ? h : `${h}:${port}`))
  .filter((r) => r.includes(".") || r.includes(":") || r.startsWith("localhost"));
const tag = fc.stringMatching(/^[\w][\w.-]{0,20}$/);
const digest = fc.oneof(
  fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`),
  fc.stringMatching(/^[a-f0-9]{128}$/).map((h) => `sha512:${h}`),
);
const canonical = fc
  .tuple(
    registry,
    fc.array(pathComponent, { minLength: 1, maxLength: 4 }),
    fc.option(tag, { nil: undefined }),
    fc.option(digest, { nil: undefined }),
  )
  .filter(([, , t, d]) => t !== undefined || d !== undefined)
  .map(([r, path, t, d]) => `${r}/${path.join("/")}${t === undefined ? "" : `:${t}`}${d === undefined ? "" : `@${d}`}`)
  .filter((s) => s.split(/[:@]/)[0]!.length < 200);

describe("parseReference: properties", () => {
  it("toString(parseReference(x)) round-trips canonical references", () => {
    fc.assert(
      fc.property(canonical, (s) => {
        const ref = parseReference(s);
        expect(ref.toString()).toBe(s);
        expect(parseReference(ref.toString()).equals(ref)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("any string either parses to a reference that round-trips or throws OciError", () => {
    const anyRef = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: fc.constantFrom(..."aZ09:/@._-[]"), maxLength: 40 }),
      canonical.map((s) => s.replace(/[a-z]/, "X")),
    );
    fc.assert(
      fc.property(anyRef, (s) => {
        try {
          const ref = parseReference(s);
          expect(parseReference(ref.toString()).equals(ref)).toBe(true);
        } catch (e) {
          expect(isOciError(e)).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
