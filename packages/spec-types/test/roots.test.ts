import { describe, expect, it } from "vitest";
import {
  type Descriptor,
  ANNOTATION_CONTAINERD_IMAGE_NAME as FULL,
  findRoot,
  OCI_INDEX,
  OCI_MANIFEST,
  parseRootName,
  ANNOTATION_REF_NAME as REF,
  referrersTag,
  tagRoots,
  untagRoots,
} from "../src/index.js";

const desc = (c: string, mediaType = OCI_MANIFEST): Descriptor => ({
  mediaType,
  digest: `sha256:${c.repeat(64)}`,
  size: 10,
});

describe("root names", () => {
  it("parses tags and full references, refuses digests and tagless names", () => {
    expect(parseRootName("v1")).toEqual({ tag: "v1", full: undefined });
    expect(parseRootName("localhost:5000/a/b:v1")).toEqual({ tag: "v1", full: "localhost:5000/a/b:v1" });
    for (const bad of ["localhost:5000/a", `localhost:5000/a@sha256:${"a".repeat(64)}`, "", "a b"]) {
      expect(() => parseRootName(bad)).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });

  it("tags with ref.name = tag and io.containerd.image.name = full reference, dropping other fields", () => {
    const roots = tagRoots([], { ...desc("a"), urls: ["x"], annotations: { keep: "me" } }, "reg.io/x/y:v1");
    expect(roots).toEqual([{ ...desc("a"), annotations: { keep: "me", [REF]: "v1", [FULL]: "reg.io/x/y:v1" } }]);
  });

  it("replaces a root of the same name and keeps others", () => {
    let roots = tagRoots([], desc("a"), "v1");
    roots = tagRoots(roots, desc("b"), "v2");
    roots = tagRoots(roots, desc("c"), "v1");
    expect(roots.map((r) => [r.annotations?.[REF], r.digest[7]])).toEqual([
      ["v2", "b"],
      ["v1", "c"],
    ]);
  });

  it("keeps the same tag of two repositories apart, and resolves each by full reference", () => {
    let roots = tagRoots([], desc("a"), "reg.io/one:v1");
    roots = tagRoots(roots, desc("b"), "reg.io/two:v1");
    expect(roots).toHaveLength(2);
    expect(findRoot(roots, "reg.io/one:v1")?.digest).toBe(desc("a").digest);
    expect(findRoot(roots, "reg.io/two:v1")?.digest).toBe(desc("b").digest);
    // A bare tag picks the first with that tag; tagging a bare tag replaces both.
    expect(findRoot(roots, "v1")?.digest).toBe(desc("a").digest);
    expect(tagRoots(roots, desc("c"), "v1")).toHaveLength(1);
  });

  it("resolves layouts written by other tools (skopeo: tag only; buildkit: full reference in ref.name)", () => {
    const roots: Descriptor[] = [
      { ...desc("a"), annotations: { [REF]: "v1" } },
      { ...desc("b", OCI_INDEX), annotations: { [REF]: "docker.io/library/alpine:3" } },
      desc("c"),
    ];
    expect(findRoot(roots, "v1")?.digest).toBe(desc("a").digest);
    expect(findRoot(roots, "reg.io/any:v1")?.digest).toBe(desc("a").digest);
    expect(findRoot(roots, "docker.io/library/alpine:3")?.digest).toBe(desc("b").digest);
    expect(findRoot(roots, desc("c").digest)?.digest).toBe(desc("c").digest);
    expect(findRoot(roots, `reg.io/x@${desc("b").digest}`)?.mediaType).toBe(OCI_INDEX);
    expect(findRoot(roots, (r) => r.mediaType === OCI_INDEX)?.digest).toBe(desc("b").digest);
    expect(findRoot(roots, "v9")).toBeUndefined();
    expect(findRoot(roots, "not a reference!")).toBeUndefined();
  });

  it("untags one root", () => {
    const roots = tagRoots(tagRoots([], desc("a"), "v1"), desc("b"), "v2");
    const after = untagRoots(roots, "v1");
    expect(after.removed).toBe(true);
    expect(after.roots.map((r) => r.annotations?.[REF])).toEqual(["v2"]);
    expect(untagRoots(after.roots, "v1").removed).toBe(false);
  });
});

describe("referrersTag", () => {
  it("is <alg>-<hex> for sha256 (distribution-spec referrers tag schema)", () => {
    expect(referrersTag(`sha256:${"ab".repeat(32)}`)).toBe(`sha256-${"ab".repeat(32)}`);
  });

  it("truncates the encoded part to 64 and the algorithm to 32, and replaces characters invalid in tags", () => {
    expect(referrersTag(`sha512:${"c".repeat(128)}`)).toBe(`sha512-${"c".repeat(64)}`);
    const alg = `a${"b".repeat(40)}+x`;
    expect(referrersTag(`${alg}:Zz=09`)).toBe(`${alg.slice(0, 32)}-Zz-09`);
    expect(referrersTag(`x+y:abc`)).toBe("x-y-abc");
    expect(() => referrersTag("nope")).toThrowError(expect.objectContaining({ code: "DIGEST_INVALID" }));
  });
});
