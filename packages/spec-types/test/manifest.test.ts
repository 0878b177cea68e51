import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_MANIFEST_BYTES,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  EMPTY_DESCRIPTOR,
  type Index,
  isIndex,
  isOciError,
  type Manifest,
  manifestMediaType,
  OCI_INDEX,
  OCI_MANIFEST,
  parseManifest,
  successors,
} from "../src/index.js";

const enc = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
const d = (c: string) => `sha256:${c.repeat(64)}`;

// image-spec manifest.md "Example Image Manifest"
const ociManifest = {
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: d("b"), size: 7023 },
  layers: [
    { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: d("c"), size: 32654 },
    { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: d("d"), size: 16724 },
  ],
  subject: { mediaType: OCI_MANIFEST, digest: d("e"), size: 7682 },
  annotations: { "com.example.key1": "value1" },
};

// image-spec image-index.md "Example Image Index"
const ociIndex = {
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  manifests: [
    { mediaType: OCI_MANIFEST, digest: d("1"), size: 7143, platform: { architecture: "ppc64le", os: "linux" } },
    {
      mediaType: OCI_MANIFEST,
      digest: d("2"),
      size: 7682,
      platform: { architecture: "amd64", os: "linux", "os.features": ["x"], variant: "v2" },
    },
  ],
  annotations: { "com.example.key1": "value1" },
};

const artifact = {
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  artifactType: "application/vnd.example+type",
  config: EMPTY_DESCRIPTOR,
  layers: [EMPTY_DESCRIPTOR],
};

const dockerList = {
  schemaVersion: 2,
  mediaType: DOCKER_MANIFEST_LIST,
  manifests: [
    {
      mediaType: DOCKER_MANIFEST,
      digest: d("3"),
      size: 7143,
      platform: { architecture: "arm", os: "linux", variant: "v7", features: ["sse4"] },
    },
  ],
};

describe("parseManifest: valid input", () => {
  it("parses an OCI manifest and keeps everything, unknown fields included", () => {
    const m = parseManifest(enc({ ...ociManifest, futureField: { x: 1 } }), OCI_MANIFEST) as Manifest;
    expect(isIndex(m)).toBe(false);
    expect(m.layers).toHaveLength(2);
    expect(m.subject?.digest).toBe(d("e"));
    expect(m.futureField).toEqual({ x: 1 });
    expect(successors(m).map((x) => x.digest)).toEqual([d("b"), d("c"), d("d")]);
  });

  it("parses an OCI index with platforms", () => {
    const i = parseManifest(enc(ociIndex), `${OCI_INDEX}; charset=utf-8`) as Index;
    expect(isIndex(i)).toBe(true);
    expect(i.manifests[1]?.platform?.["os.features"]).toEqual(["x"]);
    expect(successors(i)).toHaveLength(2);
  });

  it("parses an artifact with the empty descriptor", () => {
    const m = parseManifest(enc(artifact)) as Manifest;
    expect(m.artifactType).toBe("application/vnd.example+type");
  });

  it("parses Docker schema 2 manifests and lists", () => {
    const m = parseManifest(enc({ ...ociManifest, mediaType: DOCKER_MANIFEST, subject: undefined }), DOCKER_MANIFEST);
    expect(manifestMediaType(m)).toBe(DOCKER_MANIFEST);
    expect(isIndex(parseManifest(enc(dockerList), DOCKER_MANIFEST_LIST))).toBe(true);
  });

  it("tells the kind by shape when mediaType is absent (optional in OCI)", () => {
    const { mediaType: _m, ...bare } = ociManifest;
    const m = parseManifest(enc(bare));
    expect(isIndex(m)).toBe(false);
    expect(manifestMediaType(m)).toBe(OCI_MANIFEST);
    expect(manifestMediaType(m, `${DOCKER_MANIFEST}; x=y`)).toBe(DOCKER_MANIFEST);
    const { mediaType: _i, ...bareIndex } = ociIndex;
    expect(manifestMediaType(parseManifest(enc(bareIndex)))).toBe(OCI_INDEX);
  });

  it("keeps unknown media types of layers and index entries (image-spec: MUST NOT error)", () => {
    const m = parseManifest(
      enc({ ...ociManifest, layers: [{ mediaType: "application/x-unknown+thing", digest: d("f"), size: 0 }] }),
    ) as Manifest;
    expect(m.layers[0]?.mediaType).toBe("application/x-unknown+thing");
  });

  it("lets a manifest's own mediaType settle its kind, even with an unknown manifests field", () => {
    const m = parseManifest(enc({ ...ociManifest, manifests: [null] }));
    expect(isIndex(m)).toBe(false);
    expect(successors(m)).toHaveLength(3);
    const both = { schemaVersion: 2, config: ociManifest.config, layers: [], manifests: [] };
    expect(() => parseManifest(enc(both), OCI_INDEX)).toThrowError(
      expect.objectContaining({ code: "MANIFEST_INVALID" }),
    );
  });

  it("ignores a generic Content-Type that is not a manifest type", () => {
    expect(() => parseManifest(enc(ociManifest), "application/json")).not.toThrow();
    expect(() => parseManifest(enc(ociManifest), "application/octet-stream")).not.toThrow();
  });

  it("accepts a manifest of exactly the cap", () => {
    const base = JSON.stringify(ociManifest);
    const padded = `${base.slice(0, -1)},"pad":"${"x".repeat(1000 - base.length - 9)}"}`;
    expect(padded.length).toBe(1000);
    expect(() => parseManifest(enc(padded), undefined, { maxBytes: 1000 })).not.toThrow();
    expect(() => parseManifest(enc(`${padded} `), undefined, { maxBytes: 1000 })).toThrowError(/cap/);
  });
});

describe("parseManifest: the 4 MiB cap with a real index", () => {
  // ~27,000 descriptors of ~155 bytes fill the 4 MiB a registry must accept: all parse; one byte more, none.
  const entry = (i: number) =>
    JSON.stringify({
      mediaType: OCI_MANIFEST,
      digest: `sha256:${i.toString(16).padStart(64, "0")}`,
      size: 100_000 + i, // six digits for every entry, so that all have one length
    });
  const cap = DEFAULT_MAX_MANIFEST_BYTES;
  const head = `{"schemaVersion":2,"mediaType":"${OCI_INDEX}","manifests":[`;
  const count = Math.floor((cap - head.length - 200) / (entry(0).length + 1));
  const body = `${head}${Array.from({ length: count }, (_, i) => entry(i)).join(",")}],"annotations":{"pad":"`;
  const exact = `${body}${"x".repeat(cap - body.length - 3)}"}}`;

  it("an index of ~27,000 descriptors of exactly 4 MiB parses, every descriptor kept", () => {
    expect(count).toBeGreaterThan(26_000);
    expect(exact.length).toBe(cap);
    const index = parseManifest(enc(exact)) as Index;
    expect(index.manifests).toHaveLength(count);
    expect(index.manifests.at(-1)!.size).toBe(100_000 + count - 1);
  });

  it("the same index one byte over is refused before parsing, with the size and the limit", () => {
    expect(() => parseManifest(enc(`${exact} `))).toThrowError(
      expect.objectContaining({ code: "MANIFEST_INVALID", detail: { size: cap + 1, limit: cap } }),
    );
  });
});

describe("parseManifest: invalid input throws MANIFEST_INVALID", () => {
  const cases: Array<[string, unknown, string?]> = [
    ["not JSON", "{"],
    ["not an object", "[]"],
    ["null", "null"],
    ["schemaVersion 3", { ...ociManifest, schemaVersion: 3 }],
    ["schemaVersion missing", { ...ociManifest, schemaVersion: undefined }],
    ["schemaVersion as string", { ...ociManifest, schemaVersion: "2" }],
    ["mediaType disagrees with Content-Type", ociManifest, OCI_INDEX],
    ["mediaType disagrees with Docker Content-Type", ociManifest, DOCKER_MANIFEST],
    ["mediaType not a media type", { ...ociManifest, mediaType: 42 }],
    ["neither manifest nor index", { schemaVersion: 2 }],
    ["both shapes, no mediaType", { schemaVersion: 2, config: ociManifest.config, layers: [], manifests: [] }],
    ["index without manifests", { schemaVersion: 2, mediaType: OCI_INDEX }],
    ["manifests not an array", { ...ociIndex, manifests: {} }],
    ["manifest without config", { ...ociManifest, config: undefined }],
    ["layers not an array", { ...ociManifest, layers: "x" }],
    ["negative size", { ...ociManifest, layers: [{ ...ociManifest.layers[0], size: -1 }] }],
    ["fractional size", { ...ociManifest, layers: [{ ...ociManifest.layers[0], size: 1.5 }] }],
    ["size as string", { ...ociManifest, config: { ...ociManifest.config, size: "7023" } }],
    ["unsafe size", { ...ociManifest, config: { ...ociManifest.config, size: 2 ** 60 } }],
    ["invalid digest", { ...ociManifest, layers: [{ ...ociManifest.layers[0], digest: "sha256:XYZ" }] }],
    ["missing digest", { ...ociManifest, config: { mediaType: "a/b", size: 1 } }],
    ["annotations not strings", { ...ociManifest, annotations: { a: 1 } }],
    ["annotations an array", { ...ociManifest, annotations: ["a"] }],
    ["urls not strings", { ...ociManifest, config: { ...ociManifest.config, urls: [1] } }],
    ["data not base64", { ...ociManifest, config: { ...EMPTY_DESCRIPTOR, data: "!!" } }],
    ["data of the wrong length", { ...ociManifest, config: { ...EMPTY_DESCRIPTOR, data: "e30xMjM0" } }],
    [
      "platform without os",
      { ...ociIndex, manifests: [{ ...ociIndex.manifests[0], platform: { architecture: "x" } }] },
    ],
    ["bad subject", { ...ociManifest, subject: { mediaType: OCI_MANIFEST } }],
    ["bad artifactType", { ...artifact, artifactType: "nope" }],
  ];
  it.each(cases)("%s", (_name, value, contentType) => {
    expect(() => parseManifest(enc(value as object), contentType)).toThrowError(
      expect.objectContaining({ code: "MANIFEST_INVALID" }),
    );
  });

  it("describes hostile values in messages without throwing (found by fast-check)", () => {
    for (const value of [{ toString: 0 }, { valueOf: 0, toString: 0 }, [{ toString: 0 }]]) {
      expect(() => parseManifest(enc({ ...ociManifest, schemaVersion: value }))).toThrowError(
        expect.objectContaining({ code: "MANIFEST_INVALID" }),
      );
      expect(() => parseManifest(enc({ ...ociManifest, config: { ...ociManifest.config, size: value } }))).toThrowError(
        expect.objectContaining({ code: "MANIFEST_INVALID" }),
      );
    }
  });

  it("refuses invalid UTF-8", () => {
    expect(() => parseManifest(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrowError(
      expect.objectContaining({ code: "MANIFEST_INVALID" }),
    );
  });

  it("refuses more than the cap before parsing (4 MiB default)", () => {
    const big = new Uint8Array(4 * 1024 * 1024 + 1).fill(0x20);
    expect(() => parseManifest(big)).toThrowError(expect.objectContaining({ code: "MANIFEST_INVALID" }));
  });

  it("refuses Docker schema 1 as UNSUPPORTED", () => {
    expect(() => parseManifest(enc({ schemaVersion: 1, name: "x", tag: "y", fsLayers: [] }))).toThrowError(
      expect.objectContaining({ code: "UNSUPPORTED" }),
    );
    expect(() =>
      parseManifest(enc({ schemaVersion: 1 }), "application/vnd.docker.distribution.manifest.v1+prettyjws"),
    ).toThrowError(expect.objectContaining({ code: "UNSUPPORTED" }));
  });

  it("survives deep nesting without a stack overflow escaping as anything but OciError", () => {
    const deep = `{"schemaVersion":2,"config":${"[".repeat(200_000)}${"]".repeat(200_000)},"layers":[]}`;
    expect(() => parseManifest(enc(deep))).toThrowError(expect.objectContaining({ code: "MANIFEST_INVALID" }));
  });
});

describe("parseManifest: properties", () => {
  const assertParsesOrOciError = (bytes: Uint8Array, contentType?: string) => {
    try {
      const m = parseManifest(bytes, contentType);
      expect(m.schemaVersion).toBe(2);
      for (const child of successors(m)) expect(typeof child.digest).toBe("string");
    } catch (e) {
      if (!isOciError(e)) throw e;
    }
  };

  it("any manifest or index the spec allows parses to exactly its JSON, unknown fields and odd keys included", () => {
    const restricted = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,20}$/);
    const mediaType = fc.oneof(
      fc.constantFrom("application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.config.v1+json"),
      fc.tuple(restricted, restricted).map(([a, b]) => `${a}/${b}`),
    );
    // Keys such as `__proto__` and `constructor` are ordinary annotation keys to JSON.parse, and must be to us.
    const key = fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor", "org.opencontainers.image.ref.name"));
    const annotations = fc.dictionary(key, fc.string(), { maxKeys: 3 });
    const bytes = fc.uint8Array({ maxLength: 12 });
    const descriptor = fc
      .record(
        {
          mediaType,
          hex: fc.stringMatching(/^[a-f0-9]{64}$/),
          size: fc.maxSafeNat(),
          urls: fc.array(fc.constantFrom("https://a.example/x", ""), { maxLength: 2 }),
          annotations,
          data: bytes,
          artifactType: mediaType,
          platform: fc.record(
            {
              architecture: fc.string(),
              os: fc.string(),
              variant: fc.string(),
              "os.version": fc.string(),
              "os.features": fc.array(fc.string(), { maxLength: 2 }),
            },
            { requiredKeys: ["architecture", "os"] },
          ),
          extra: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: ["mediaType", "hex", "size"] },
      )
      .map(({ hex, data, ...rest }) => ({
        ...rest,
        digest: `sha256:${hex}`,
        // Embedded data must have the descriptor's size.
        ...(data === undefined ? {} : { data: Buffer.from(data).toString("base64"), size: data.byteLength }),
      }));
    const common = {
      artifactType: fc.option(mediaType, { nil: undefined }),
      annotations: fc.option(annotations, { nil: undefined }),
      subject: fc.option(descriptor, { nil: undefined }),
      unknown: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    };
    const manifest = fc.record({
      ...common,
      mediaType: fc.constantFrom(OCI_MANIFEST, DOCKER_MANIFEST, undefined),
      config: descriptor,
      layers: fc.array(descriptor, { maxLength: 3 }),
    });
    const index = fc.record({
      ...common,
      mediaType: fc.constantFrom(OCI_INDEX, DOCKER_MANIFEST_LIST, undefined),
      manifests: fc.array(descriptor, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.oneof(manifest, index), (doc) => {
        const text = JSON.stringify({ schemaVersion: 2, ...doc });
        const parsed = parseManifest(enc(text));
        expect(parsed).toEqual(JSON.parse(text));
        expect(isIndex(parsed)).toBe("manifests" in doc);
      }),
      { numRuns: 300 },
    );
  });

  it("random bytes and random JSON values never throw anything but OciError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.jsonValue().map(enc)), (bytes) => {
        assertParsesOrOciError(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it("mutations of valid manifests never throw anything but OciError", () => {
    const docs = [ociManifest, ociIndex, artifact, dockerList];
    const paths = fc.constantFrom(
      "schemaVersion",
      "mediaType",
      "config",
      "layers",
      "manifests",
      "subject",
      "annotations",
      "config.size",
      "config.digest",
      "config.data",
      "layers.0",
      "layers.0.size",
      "manifests.0.platform",
      "manifests.0.platform.os",
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...docs),
        paths,
        fc.jsonValue(),
        fc.option(fc.constantFrom(OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, "text/plain")),
        (doc, path, value, ct) => {
          const copy = structuredClone(doc) as Record<string, unknown>;
          const keys = path.split(".");
          let at: Record<string, unknown> | undefined = copy;
          for (const k of keys.slice(0, -1)) at = (at?.[k] as Record<string, unknown>) ?? undefined;
          if (at && typeof at === "object") at[keys.at(-1)!] = value;
          assertParsesOrOciError(enc(copy), ct ?? undefined);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
