// Untrusted input the other parser tests do not reach (issue 9, "Fuzzing"): token server answers, and manifests
// built to exhaust a client (a 10^6-entry index, a self-referencing index). Every case ends in a value or an
// OciError, in bounded time and memory.
import { createHash } from "node:crypto";
import {
  type Descriptor,
  type Digest,
  isOciError,
  isRepositoryName,
  isTag,
  OCI_INDEX,
  OCI_MANIFEST,
} from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Client, type Logger } from "../src/index.js";
import { walkGraph } from "../src/internal/graph.js";
import { limiter } from "../src/internal/limiter.js";
import { handlerTransport } from "./helpers/handler-transport.js";

const enc = new TextEncoder();
const sha256 = (bytes: Uint8Array): Digest => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

function recordingLogger(): Logger & { codes: unknown[]; nonOci: unknown[] } {
  const codes: unknown[] = [];
  const nonOci: unknown[] = [];
  return {
    codes,
    nonOci,
    debug() {},
    info() {},
    warn() {},
    error(_m, fields) {
      const e = fields?.error;
      if (e !== undefined && !isOciError(e)) nonOci.push(e);
      codes.push((e as { code?: string } | undefined)?.code);
    },
  };
}

describe("token server answers (fuzzed)", () => {
  const tokenBody = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.json().map((s) => enc.encode(s)),
    fc
      .record(
        {
          token: fc.oneof(
            fc.string(),
            fc.constant("ok"),
            fc.constant("a\r\nX-Injected: 1"),
            fc.integer(),
            fc.constant(null),
          ),
          access_token: fc.oneof(fc.string(), fc.constant(""), fc.anything()),
          expires_in: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(1e308), fc.constant(-1)),
          issued_at: fc.oneof(fc.string(), fc.integer()),
        },
        { requiredKeys: [] },
      )
      .map((v) => enc.encode(JSON.stringify(v))),
  );

  it("any answer ends in a value or an OciError, never another exception, never a hang", async () => {
    await fc.assert(
      fc.asyncProperty(tokenBody, fc.constantFrom(200, 200, 200, 401, 500), async (body, status) => {
        const transport = handlerTransport((req) => {
          if (req.url.startsWith("https://auth.example/")) {
            return new Response(body, { status, headers: { "content-type": "application/json" } });
          }
          if (!req.headers.get("authorization")?.startsWith("Bearer ")) {
            return new Response(null, {
              status: 401,
              headers: { "www-authenticate": 'Bearer realm="https://auth.example/token",service="reg"' },
            });
          }
          return new Response(null, { status: 404 });
        });
        const logger = recordingLogger();
        const client = new Client({ transport, store: memoryStore(), logger });
        const repo = client.registry("https://registry.example").repo("a/b");
        expect(await repo.resolve("v1")).toBeUndefined();
        expect(await repo.tags()).toEqual([]);
        expect(logger.nonOci).toEqual([]);
        // A token carrying CR/LF never becomes a header of its own.
        for (const r of transport.requests) expect(r.authorization ?? "").not.toMatch(/[\r\n]/);
        await client.close();
      }),
      { numRuns: 200 },
    );
  });

  it("a token a header cannot carry is refused as PROTOCOL, not sent and failed as a retryable NETWORK error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", minLength: 1, maxLength: 40 }), async (token) => {
        const transport = handlerTransport((req) => {
          if (req.url.startsWith("https://auth.example/")) return Response.json({ token });
          if (!req.headers.get("authorization")?.startsWith("Bearer ")) {
            return new Response(null, {
              status: 401,
              headers: { "www-authenticate": 'Bearer realm="https://auth.example/token",service="reg"' },
            });
          }
          return new Response("[]", { status: 200, headers: { "content-type": "application/json" } });
        });
        const logger = recordingLogger();
        const client = new Client({ transport, store: memoryStore(), logger });
        await client.registry("https://registry.example").repo("a/b").tags();
        const sent = transport.requests.filter((r) => r.authorization?.startsWith("Bearer "));
        if (/^[\x21-\x7e]+$/.test(token)) {
          expect(sent.map((r) => r.authorization)).toContain(`Bearer ${token}`);
        } else {
          expect(sent).toEqual([]);
          expect(logger.codes).toContain("PROTOCOL");
          expect(logger.codes).not.toContain("NETWORK");
        }
        expect(logger.nonOci).toEqual([]);
        await client.close();
      }),
      { numRuns: 200 },
    );
  });
});

describe("tag and catalog pages (fuzzed)", () => {
  const page = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v) ?? ""),
    fc
      .record(
        {
          tags: fc.oneof(fc.array(fc.oneof(fc.string(), fc.jsonValue())), fc.jsonValue()),
          repositories: fc.oneof(fc.array(fc.oneof(fc.string(), fc.jsonValue())), fc.jsonValue()),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
    fc.constant('{"tags":["v1","\u001b[2Jgone","../../x","a\nb","","v1"],"repositories":["a/b","A","../x"]}'),
    fc.string(),
  );

  it("any page: valid tags and repository names only, each once, or [] with an OciError logged", async () => {
    await fc.assert(
      fc.asyncProperty(page, async (body) => {
        const transport = handlerTransport(
          () => new Response(body, { status: 200, headers: { "content-type": "application/json" } }),
        );
        const logger = recordingLogger();
        const client = new Client({ transport, store: memoryStore(), logger });
        const registry = client.registry("https://registry.example");
        const tags = await registry.repo("a/b").tags();
        expect(tags.every(isTag)).toBe(true);
        expect(new Set(tags).size).toBe(tags.length);
        const names: string[] = [];
        try {
          for await (const repos of registry.catalog()) names.push(...repos.map((r) => r.name));
        } catch (error) {
          if (!isOciError(error)) throw error;
        }
        expect(names.every(isRepositoryName)).toBe(true);
        expect(logger.nonOci).toEqual([]);
        await client.close();
      }),
      { numRuns: 300 },
    );
  });
});

describe("manifests built to exhaust the client", () => {
  it("a 10^6-entry index streamed by the registry is cut at the manifest cap: bounded time and memory", async () => {
    const entry = (i: number) =>
      `{"mediaType":"${OCI_MANIFEST}","digest":"sha256:${i.toString(16).padStart(64, "0")}","size":1234}`;
    let served = 0;
    const transport = handlerTransport(() => {
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (i >= 1_000_000) return controller.close();
          const parts: string[] = [];
          if (i === 0) parts.push(`{"schemaVersion":2,"mediaType":"${OCI_INDEX}","manifests":[`);
          for (let n = 0; n < 1000 && i < 1_000_000; n++, i++) parts.push((i ? "," : "") + entry(i));
          if (i >= 1_000_000) parts.push("]}");
          const chunk = enc.encode(parts.join(""));
          served += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      return new Response(body, { status: 200, headers: { "content-type": OCI_INDEX } });
    });
    const logger = recordingLogger();
    const client = new Client({ transport, store: memoryStore(), logger });
    const rss = process.memoryUsage().rss;
    const started = Date.now();
    const events = [];
    for await (const e of client.registry("https://registry.example").repo("a/b").pull("v1")) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: "failed" });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(served).toBeLessThan(16 * 1024 * 1024); // not the ~130 MB of the whole index
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
    expect(logger.nonOci).toEqual([]);
    await client.close();
  });

  it("a 10^6-entry index under a raised cap walks in bounded time, each child listed once", async () => {
    // What a user who raises maxManifestBytes accepts: the walk itself must stay linear.
    const child = enc.encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(enc.encode("{}")), size: 2 },
        layers: [],
      }),
    );
    const childDesc: Descriptor = { mediaType: OCI_MANIFEST, digest: sha256(child), size: child.byteLength };
    const text = `{"schemaVersion":2,"mediaType":"${OCI_INDEX}","manifests":[${Array(1_000_000)
      .fill(JSON.stringify(childDesc))
      .join(",")}]}`;
    const bytes = enc.encode(text);
    const root: Descriptor = { mediaType: OCI_INDEX, digest: sha256(bytes), size: bytes.byteLength };
    let reads = 0;
    const graph = await walkGraph(root, {
      read: async (d) => {
        reads++;
        return d.digest === root.digest ? bytes : child;
      },
      maxManifestBytes: bytes.byteLength,
      maxGraphBytes: 1 << 30,
      limit: limiter(8),
    });
    expect(graph.manifests).toHaveLength(2);
    // A million entries naming one child: the child is read once, not once per entry (the walk stays linear; its
    // time is not asserted here, the test's own timeout only catches a hang).
    expect(reads).toBe(2);
  }, 120_000);

  it("an index that names itself (a cycle only a lying reader can make) ends in MANIFEST_INVALID", async () => {
    const self = enc.encode(`{"schemaVersion":2,"mediaType":"${OCI_INDEX}","manifests":[]}`);
    const root: Descriptor = { mediaType: OCI_INDEX, digest: sha256(self), size: self.byteLength };
    const cyclic = enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [root] }));
    const started = Date.now();
    const result = await walkGraph(root, {
      read: async () => cyclic, // every digest "is" the cyclic index
      maxManifestBytes: 1 << 20,
      maxGraphBytes: 1 << 30,
      limit: limiter(4),
    }).catch((e: unknown) => e);
    expect(result).toMatchObject({ code: "MANIFEST_INVALID", message: expect.stringMatching(/cycle/) });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
