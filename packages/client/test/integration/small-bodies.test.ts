// Small blob bodies read whole: over a transport that can hand a body over without a stream (isWholeBodyResponse,
// as @toci/transport-node does), a pull reads each blob of at most 256 KiB that way and writes it in one piece; a
// larger one still goes through the stream, read by read. A body that is not what the manifest says still fails
// the pull, with nothing stored, in bounded time and memory.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Descriptor, describe as describeContent, type LowSpeedTransport, type Transport } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { nodeTransport } from "@toci/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../../src/index.js";
import { collect, registries, succeeded, testLogger, uniqueRepo } from "./helpers.js";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

/** `transport`, noting for each blob GET whether its body was read whole (`bytes`) or as a stream (`body`). */
function watched(
  transport: Transport & LowSpeedTransport,
  reads: Map<string, string[]>,
): Transport & LowSpeedTransport {
  return {
    // Kept: without it the client would wrap every body in a stream of its own for the low-speed rule.
    appliesLowSpeed: transport.appliesLowSpeed,
    async request(request) {
      const response = await transport.request(request);
      const digest = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(request.url)?.[1];
      if (!digest || request.method !== "GET") return response;
      const log = reads.get(digest) ?? [];
      reads.set(digest, log);
      const whole = response as Partial<{ bytes(max: number): Promise<Uint8Array | undefined> }>;
      return {
        status: response.status,
        headers: response.headers,
        url: response.url,
        get body() {
          log.push("stream");
          return response.body;
        },
        ...(whole.bytes && {
          bytes: (max: number) => {
            log.push("whole");
            return whole.bytes!(max);
          },
        }),
      };
    },
  };
}

describe("small blob bodies over a transport that reads bodies whole", () => {
  it("reads each blob up to 256 KiB whole, a larger one as a stream, and stores them all verified", async () => {
    const { plain } = registries();
    const fixture = ociImage({ seed: "small-bodies", layerSizes: [1_000, 64 * 1024, 200_000, 600_000] });
    const repo = uniqueRepo("small-bodies");
    await pushFixture(fixture, { url: plain.url, repo, tag: "v1" });
    const reads = new Map<string, string[]>();
    const store = memoryStore();
    const client = new Client({ transport: watched(nodeTransport(), reads), store, logger: testLogger() });
    expect(succeeded(await collect(client.registry(plain.url).repo(repo).pull("v1")))).toBe(true);
    await client.close();
    const blobs: Descriptor[] = [fixture.config, ...fixture.layers];
    for (const blob of blobs) {
      expect(await store.exists(blob)).toBe(true);
      expect(reads.get(blob.digest), `${blob.size} bytes`).toEqual([blob.size <= 256 * 1024 ? "whole" : "stream"]);
    }
  });
});

describe("a small blob body that is not what the manifest says (read whole)", () => {
  let server: Server;
  let origin: string;
  let answer: (res: import("node:http").ServerResponse) => void = () => {};
  const layer = new Uint8Array(64 * 1024).fill(5);
  let layerDesc: Descriptor;
  let manifest: Uint8Array;
  let config: Uint8Array;
  let configDesc: Descriptor;

  beforeAll(async () => {
    config = new TextEncoder().encode('{"architecture":"amd64","os":"linux"}');
    configDesc = await describeContent(config, { mediaType: "application/vnd.oci.image.config.v1+json" });
    layerDesc = await describeContent(layer, { mediaType: "application/vnd.oci.image.layer.v1.tar" });
    manifest = new TextEncoder().encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers: [layerDesc] }),
    );
    server = createServer((req, res) => {
      const url = req.url ?? "";
      if (url.includes("/manifests/")) {
        res.writeHead(200, { "content-type": OCI_MANIFEST, "content-length": manifest.length });
        res.end(req.method === "HEAD" ? undefined : manifest);
      } else if (url.endsWith(configDesc.digest)) {
        res.writeHead(200, { "content-length": config.length }).end(req.method === "HEAD" ? undefined : config);
      } else if (url.endsWith(layerDesc.digest) && req.method === "GET") {
        answer(res);
      } else {
        res.writeHead(404, { "content-length": 0 }).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function pullFails(code: RegExp): Promise<void> {
    const store = memoryStore();
    const transport = nodeTransport({ retry: false, timeout: 2_000, idleTimeout: 300 });
    const client = new Client({ transport, store, logger: testLogger(), blobAttempts: 2 });
    const events = await collect(client.registry(origin).repo("a/b").pull("v1"));
    await client.close();
    const last = events.at(-1);
    expect(last?.type).toBe("failed");
    if (last?.type === "failed") expect(last.error.code).toMatch(code);
    expect(await store.exists(layerDesc)).toBe(false);
  }

  it("longer than its size, with a Content-Length that says so: SIZE_MISMATCH", async () => {
    const longer = new Uint8Array(layer.length + 10).fill(5);
    answer = (res) => res.writeHead(200, { "content-length": longer.length }).end(longer);
    await pullFails(/SIZE_MISMATCH/);
  });

  it("longer than the whole-read limit: SIZE_MISMATCH without reading it all", async () => {
    let sent = 0;
    answer = (res) => {
      res.writeHead(200, { "content-length": 64 * 1024 * 1024 });
      const chunk = Buffer.alloc(64 * 1024, 5);
      const pump = () => {
        while (!res.destroyed && sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed && sent < 64 * 1024 * 1024) res.once("drain", pump);
      };
      res.on("close", () => res.removeAllListeners("drain"));
      pump();
    };
    await pullFails(/SIZE_MISMATCH/);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it("endless (chunked, no length): SIZE_MISMATCH, bounded", async () => {
    let sent = 0;
    answer = (res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = Buffer.alloc(64 * 1024, 5);
      const pump = () => {
        while (!res.destroyed && sent < 2 ** 31 && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once("drain", pump);
      };
      res.on("close", () => res.removeAllListeners("drain"));
      pump();
    };
    await pullFails(/SIZE_MISMATCH/);
    expect(sent).toBeLessThan(256 * 1024 * 1024);
  });

  it("shorter than its size: SIZE_MISMATCH", async () => {
    answer = (res) => res.writeHead(200, { "content-length": 1000 }).end(layer.subarray(0, 1000));
    await pullFails(/SIZE_MISMATCH/);
  });

  it("the right length, other bytes: DIGEST_MISMATCH", async () => {
    answer = (res) => res.writeHead(200, { "content-length": layer.length }).end(new Uint8Array(layer.length).fill(6));
    await pullFails(/DIGEST_MISMATCH/);
  });
});
