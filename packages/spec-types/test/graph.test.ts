import { describe, expect, it } from "vitest";
import {
  type Descriptor,
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  digestOf,
  manifestDescriptor,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  reachable,
  referenceDigest,
} from "../src/index.js";

/** A tiny content-addressed map, enough to walk graphs. */
function blobs() {
  const map = new Map<string, Uint8Array>();
  const put = async (mediaType: string, content: string | object): Promise<Descriptor> => {
    const bytes = new TextEncoder().encode(typeof content === "string" ? content : JSON.stringify(content));
    const digest = await digestOf(bytes);
    map.set(digest, bytes);
    return { mediaType, digest, size: bytes.byteLength };
  };
  const read = async (d: Pick<Descriptor, "digest">) => map.get(d.digest);
  const all = () =>
    [...map.entries()].map(([digest, b]) => ({ digest: digest as Descriptor["digest"], size: b.length }));
  return { map, put, read, all };
}

async function image(b: ReturnType<typeof blobs>, name: string, docker = false) {
  const config = await b.put(docker ? DOCKER_CONFIG : OCI_CONFIG, { name, rootfs: { type: "layers" } });
  const layer = await b.put(docker ? DOCKER_LAYER : OCI_LAYER_GZIP, `layer of ${name}`);
  const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = await b.put(mediaType, { schemaVersion: 2, mediaType, config, layers: [layer] });
  return { config, layer, manifest };
}

describe("reachable", () => {
  it("follows an OCI index to its manifests, configs and layers, and nothing else", async () => {
    const b = blobs();
    const a = await image(b, "a");
    const c = await image(b, "c");
    const index = await b.put(OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [a.manifest] });
    const found = await reachable([index], b.read, b.all());
    expect([...found].sort()).toEqual([index, a.manifest, a.config, a.layer].map((d) => d.digest).sort());
    expect(found.has(c.manifest.digest)).toBe(false);
  });

  it("follows nested indexes and Docker manifest lists", async () => {
    const b = blobs();
    const d = await image(b, "docker", true);
    const list = await b.put(DOCKER_MANIFEST_LIST, {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST_LIST,
      manifests: [d.manifest],
    });
    const inner = await b.put(OCI_INDEX, { schemaVersion: 2, manifests: [list] });
    const outer = await b.put(OCI_INDEX, { schemaVersion: 2, manifests: [inner] });
    const found = await reachable([outer], b.read);
    for (const x of [outer, inner, list, d.manifest, d.config, d.layer]) expect(found.has(x.digest)).toBe(true);
  });

  it("keeps referrers of reachable manifests, transitively, and not those of unreachable ones", async () => {
    const b = blobs();
    const a = await image(b, "a");
    const orphan = await image(b, "orphan");
    const sigLayer = await b.put("application/vnd.example.sig", "signature");
    const empty = await b.put("application/vnd.oci.empty.v1+json", "{}");
    const sig = await b.put(OCI_MANIFEST, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: "application/vnd.example.sig",
      config: empty,
      layers: [sigLayer],
      subject: a.manifest,
    });
    const sigOfSig = await b.put(OCI_MANIFEST, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: empty,
      layers: [],
      subject: sig,
    });
    const orphanSig = await b.put(OCI_MANIFEST, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: empty,
      layers: [],
      subject: orphan.manifest,
    });
    const found = await reachable([a.manifest], b.read, b.all());
    for (const x of [sig, sigLayer, empty, sigOfSig]) expect(found.has(x.digest)).toBe(true);
    expect(found.has(orphanSig.digest)).toBe(false);
    expect(found.has(orphan.manifest.digest)).toBe(false);
  });

  it("stops at absent manifests and keeps unparseable ones as leaves", async () => {
    const b = blobs();
    const missing = { mediaType: OCI_MANIFEST, digest: `sha256:${"0".repeat(64)}`, size: 10 } as Descriptor;
    const junk = await b.put(OCI_MANIFEST, "not json");
    const index = await b.put(OCI_INDEX, { schemaVersion: 2, manifests: [missing, junk] });
    const found = await reachable([index], b.read);
    expect(found).toEqual(new Set([index.digest, missing.digest, junk.digest]));
  });

  it("refuses graphs nested deeper than maxDepth rather than half-walking them", async () => {
    const b = blobs();
    let top = (await image(b, "deep")).manifest;
    for (let i = 0; i < 5; i++) top = await b.put(OCI_INDEX, { schemaVersion: 2, manifests: [top] });
    await expect(reachable([top], b.read, [], { maxDepth: 3 })).rejects.toMatchObject({ code: "MANIFEST_INVALID" });
    await expect(reachable([top], b.read, [], { maxDepth: 8 })).resolves.toBeInstanceOf(Set);
  });

  it("rethrows read failures instead of answering with a partial set", async () => {
    const b = blobs();
    const a = await image(b, "a");
    const failing = async () => {
      throw new Error("EIO");
    };
    await expect(reachable([a.manifest], failing)).rejects.toThrow("EIO");
  });
});

describe("manifestDescriptor and referenceDigest", () => {
  it("describes manifest bytes by their own media type, and refuses other bytes", async () => {
    const b = blobs();
    const a = await image(b, "a", true);
    const bytes = b.map.get(a.manifest.digest)!;
    expect(manifestDescriptor(a.manifest.digest, bytes)).toEqual({
      mediaType: DOCKER_MANIFEST,
      digest: a.manifest.digest,
      size: bytes.byteLength,
    });
    expect(manifestDescriptor(a.layer.digest, b.map.get(a.layer.digest)!)).toBeUndefined();
  });

  it("finds the digest of a digest or a reference with one", () => {
    const d = `sha256:${"a".repeat(64)}`;
    expect(referenceDigest(d)).toBe(d);
    expect(referenceDigest(`localhost:5000/repo:v1@${d}`)).toBe(d);
    expect(referenceDigest("v1")).toBeUndefined();
    expect(referenceDigest("localhost:5000/repo:v1")).toBeUndefined();
  });
});

describe("reachable, on doubt (what gc keeps)", () => {
  /** A manifest the strict parser refuses, for each reason issue 19 found in the wild, and what it names. */
  async function doubtful(b: ReturnType<typeof blobs>, kind: "null annotation" | "artifact manifest" | "over the cap") {
    const config = await b.put(OCI_CONFIG, { kind });
    const layer = await b.put(OCI_LAYER_GZIP, `layer of ${kind}`);
    if (kind === "artifact manifest") {
      // image-spec 1.1.0-rc1's artifact manifest: `blobs`, no config.
      const mediaType = "application/vnd.oci.artifact.manifest.v1+json";
      const root = await b.put(mediaType, { mediaType, artifactType: "application/x", blobs: [config, layer] });
      return { root, named: [config, layer] };
    }
    const annotations = kind === "null annotation" ? { "org.example": null } : { pad: "x".repeat(300) };
    const root = await b.put(OCI_MANIFEST, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config,
      layers: [layer],
      annotations,
    });
    return { root, named: [config, layer] };
  }

  it.each(["null annotation", "artifact manifest", "over the cap"] as const)(
    "a root whose manifest the strict parser refuses (%s) keeps what it names, and says so",
    async (kind) => {
      const b = blobs();
      const { root, named } = await doubtful(b, kind);
      const unrelated = await b.put(OCI_LAYER_GZIP, "unrelated");
      const doubts: unknown[] = [];
      const found = await reachable([root], b.read, b.all(), { maxManifestBytes: 256, onDoubt: (d) => doubts.push(d) });
      expect([...found].sort()).toEqual([root, ...named].map((d) => d.digest).sort());
      expect(found.has(unrelated.digest)).toBe(false);
      expect(doubts).toEqual([
        { digest: root.digest, reason: expect.stringContaining("not a valid manifest"), kept: "named" },
      ]);
    },
  );

  it("keeps everything when a listed manifest cannot be read (the reader's own cap), and says so", async () => {
    const b = blobs();
    const a = await image(b, "a");
    const unrelated = await b.put(OCI_LAYER_GZIP, "unrelated");
    const doubts: unknown[] = [];
    const refusing = async (d: Pick<Descriptor, "digest">) => (d.digest === a.manifest.digest ? undefined : b.read(d));
    const found = await reachable([a.manifest], refusing, b.all(), { onDoubt: (d) => doubts.push(d) });
    expect(found.has(unrelated.digest)).toBe(true);
    expect(found.has(a.layer.digest)).toBe(true);
    expect(doubts).toEqual([{ digest: a.manifest.digest, reason: "could not be read", kept: "everything" }]);
  });

  it("opens what an index lists and what a subject names, whatever media type the entry claims", async () => {
    const b = blobs();
    const a = await image(b, "a");
    const mislabelled = { ...a.manifest, mediaType: "application/octet-stream" };
    const index = await b.put(OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [mislabelled] });
    const found = await reachable([index], b.read, b.all());
    for (const d of [a.manifest, a.config, a.layer]) expect(found.has(d.digest)).toBe(true);
  });

  it("keeps a 1.1-rc artifact manifest that refers to a reachable manifest, with its blobs", async () => {
    const b = blobs();
    const a = await image(b, "a");
    const sig = await b.put("application/x-sig", "signature");
    const mediaType = "application/vnd.oci.artifact.manifest.v1+json";
    const referrer = await b.put(mediaType, { mediaType, artifactType: "x", blobs: [sig], subject: a.manifest });
    const found = await reachable([a.manifest], b.read, b.all());
    expect(found.has(referrer.digest)).toBe(true);
    expect(found.has(sig.digest)).toBe(true);
  });
});
