import { createHash } from "node:crypto";
import { type Descriptor, OCI_INDEX, OCI_MANIFEST } from "@toci/spec-types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseContentRange } from "../src/internal/content-range.js";
import { MAX_DEPTH, walkGraph } from "../src/internal/graph.js";
import { parseErrorBody, responseError } from "../src/internal/http.js";
import { limiter } from "../src/internal/limiter.js";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const describeBytes = (bytes: Uint8Array, mediaType: string): Descriptor => ({
  mediaType,
  digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`,
  size: bytes.byteLength,
});

function chain(depth: number) {
  const blobs = new Map<string, Uint8Array>();
  const leafBytes = enc({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${"a".repeat(64)}`, size: 2 },
    layers: [],
  });
  let top = describeBytes(leafBytes, OCI_MANIFEST);
  blobs.set(top.digest, leafBytes);
  for (let i = 0; i < depth; i++) {
    const bytes = enc({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [top] });
    top = describeBytes(bytes, OCI_INDEX);
    blobs.set(top.digest, bytes);
  }
  return { root: top, read: async (d: Descriptor) => blobs.get(d.digest)! };
}

describe("the graph walk", () => {
  it("follows nested indexes up to the depth guard, and refuses deeper ones", async () => {
    const ok = chain(MAX_DEPTH - 1);
    const graph = await walkGraph(ok.root, {
      read: ok.read,
      maxManifestBytes: 1 << 20,
      maxGraphBytes: 1 << 30,
      limit: limiter(4),
    });
    expect(graph.manifests).toHaveLength(MAX_DEPTH);
    expect(graph.manifests.at(-1)!.descriptor.digest).toBe(ok.root.digest);
    expect(graph.blobs).toHaveLength(1);
    const deep = chain(MAX_DEPTH + 1);
    await expect(
      walkGraph(deep.root, { read: deep.read, maxManifestBytes: 1 << 20, maxGraphBytes: 1 << 30, limit: limiter(4) }),
    ).rejects.toMatchObject({
      code: "MANIFEST_INVALID",
    });
  });

  it("refuses a manifest whose content is not of the media type its parent declared", async () => {
    const { root, read } = chain(1);
    const child = JSON.parse(new TextDecoder().decode(await read(root))).manifests[0] as Descriptor;
    const lying = enc({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...child, mediaType: OCI_INDEX }] });
    const top = describeBytes(lying, OCI_INDEX);
    const reader = async (d: Descriptor) => (d.digest === top.digest ? lying : read(d));
    await expect(
      walkGraph(top, { read: reader, maxManifestBytes: 1 << 20, maxGraphBytes: 1 << 30, limit: limiter(4) }),
    ).rejects.toMatchObject({
      code: "MANIFEST_INVALID",
    });
  });

  it("lists a blob shared by two manifests once", async () => {
    const layer = { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: `sha256:${"b".repeat(64)}`, size: 5 };
    const config = {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: `sha256:${"c".repeat(64)}`,
      size: 2,
    };
    const m1 = enc({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] });
    const m2 = enc({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer], annotations: { x: "y" } });
    const d1 = describeBytes(m1, OCI_MANIFEST);
    const d2 = describeBytes(m2, OCI_MANIFEST);
    const idx = enc({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [d1, d2] });
    const root = describeBytes(idx, OCI_INDEX);
    const all = new Map([
      [d1.digest, m1],
      [d2.digest, m2],
      [root.digest, idx],
    ]);
    const graph = await walkGraph(root, {
      read: async (d) => all.get(d.digest)!,
      maxManifestBytes: 1 << 20,
      maxGraphBytes: 1 << 30,
      limit: limiter(2),
    });
    expect(graph.blobs.map((b) => b.digest).sort()).toEqual([config.digest, layer.digest].sort());
    expect(graph.manifests.at(-1)!.descriptor.digest).toBe(root.digest);
  });
});

describe("parsers of registry answers never throw", () => {
  it("Content-Range", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const r = parseContentRange(s);
        if (r) expect(r.last).toBeGreaterThanOrEqual(r.first);
      }),
      { numRuns: 3000 },
    );
  });

  it("error bodies", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.constant('{"errors":[{"code":1},{"code":"DENIED","message":2}]}'),
        ),
        (s) => {
          for (const e of parseErrorBody(s)) expect(typeof e.code).toBe("string");
        },
      ),
      { numRuns: 3000 },
    );
    expect(parseErrorBody('{"errors":[{"code":"DENIED","message":"no","detail":{"a":1}}]}')).toEqual([
      { code: "DENIED", message: "no", detail: { a: 1 } },
    ]);
  });

  it("error bodies of hostile shapes: the status decides, the registry's code only when it is one of the spec's", async () => {
    const bodies: Array<[string, string | Uint8Array<ArrayBuffer>]> = [
      ["errors not an array", '{"errors":{"code":"DENIED"}}'],
      ["errors a string", '{"errors":"DENIED"}'],
      ["code a number", '{"errors":[{"code":403}]}'],
      ["code an object", '{"errors":[{"code":{"toString":"DENIED"}}]}'],
      ["code an array", '{"errors":[{"code":["DENIED"]}]}'],
      ["code a prototype key", '{"errors":[{"code":"constructor"},{"code":"__proto__"}]}'],
      ["deeply nested", `{"errors":[{"code":"X","detail":${"[".repeat(20_000)}${"]".repeat(20_000)}}]}`],
      ["10^5 entries", `{"errors":[${Array(100_000).fill('{"code":"X"}').join(",")}]}`],
      ["a 60 kB code", `{"errors":[{"code":"${"A".repeat(60_000)}","message":"${"m".repeat(3000)}"}]}`],
      ["not UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ];
    for (const [what, body] of bodies) {
      const error = await responseError(
        { status: 418, headers: new Headers(), body: new Response(body).body, url: "https://r.example/v2/" },
        "GET",
        "https://r.example/v2/",
        "MANIFEST_UNKNOWN",
      );
      expect(error.code, what).toBe("HTTP");
      expect(error.errors.length, what).toBeLessThanOrEqual(100);
      expect(error.message.length, what).toBeLessThan(2000);
    }
  });

  it("a 100 MB error body is read only up to the error-body cap, and the status alone decides", async () => {
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 100 * 1024 * 1024) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const error = await responseError(
      { status: 503, headers: new Headers(), body, url: "https://r.example/v2/" },
      "GET",
      "https://r.example/v2/",
      "MANIFEST_UNKNOWN",
    );
    expect(error.code).toBe("UNAVAILABLE");
    expect(pulled).toBeLessThan(1024 * 1024);
  });
});
