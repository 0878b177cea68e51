// A registry that lies, stalls or points elsewhere (issue 9, "Hostile registry"): small purpose-built servers on
// loopback, behind Basic auth so every request shows where credentials went. Each case must end in a clear
// OciError, in bounded time, with nothing stored and credentials only ever sent to the registry's origin.
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type Descriptor, describe as describeContent } from "@toci/spec-types";
import { fsStore } from "@toci/store-fs";
import { fetchTransport } from "@toci/transport-fetch";
import { nodeTransport } from "@toci/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../../src/index.js";
import { collect, testLogger } from "./helpers.js";

const USER = "u";
const PASS = "s3cret";
const BASIC = `Basic ${Buffer.from(`${USER}:${PASS}`).toString("base64")}`;
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
}

interface TestServer {
  url: string;
  requests: Recorded[];
  route: Route | undefined;
  server: Server;
}

async function startServer(auth: boolean): Promise<TestServer> {
  const state: TestServer = { url: "", requests: [], route: undefined, server: undefined as never };
  state.server = createServer(async (req, res) => {
    state.requests.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization });
    if (auth && req.headers.authorization !== BASIC) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="hostile"', "content-length": "0" }).end();
      return;
    }
    try {
      if (state.route) await state.route(req, res);
      if (!res.headersSent) res.writeHead(404, { "content-length": "0" }).end();
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => state.server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

let registry: TestServer;
let elsewhere: TestServer; // another origin (another port on the same host is another origin)
let realm: TestServer; // a third origin: a token realm that only a redirect target names
let dir: string;

beforeAll(async () => {
  registry = await startServer(true);
  elsewhere = await startServer(false);
  realm = await startServer(false);
});
afterAll(async () => {
  registry.server.closeAllConnections();
  elsewhere.server.closeAllConnections();
  realm.server.closeAllConnections();
  await new Promise((r) => registry.server.close(r));
  await new Promise((r) => elsewhere.server.close(r));
  await new Promise((r) => realm.server.close(r));
});
afterEach(async () => {
  registry.route = undefined;
  elsewhere.route = undefined;
  realm.route = undefined;
  registry.requests.length = 0;
  elsewhere.requests.length = 0;
  realm.requests.length = 0;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function image(layer: Uint8Array) {
  const config = new TextEncoder().encode('{"architecture":"amd64","os":"linux"}');
  const configDesc = await describeContent(config, { mediaType: "application/vnd.oci.image.config.v1+json" });
  const layerDesc = await describeContent(layer, { mediaType: "application/vnd.oci.image.layer.v1.tar" });
  const manifest = new TextEncoder().encode(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers: [layerDesc] }),
  );
  const manifestDesc = await describeContent(manifest, { mediaType: OCI_MANIFEST });
  return { config, configDesc, layer, layerDesc, manifest, manifestDesc };
}

type Image = Awaited<ReturnType<typeof image>>;

/** Serves `img` honestly, except where `override` answers first. */
function serve(img: Image, override?: Route): Route {
  return async (req, res) => {
    if (override) await override(req, res);
    if (res.headersSent) return;
    const path = req.url ?? "";
    const send = (body: Uint8Array, type: string, digest: string) => {
      res.writeHead(200, { "content-type": type, "content-length": body.length, "docker-content-digest": digest });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (path.includes("/manifests/")) send(img.manifest, OCI_MANIFEST, img.manifestDesc.digest);
    else if (path.endsWith(img.configDesc.digest)) send(img.config, "application/octet-stream", img.configDesc.digest);
    else if (path.endsWith(img.layerDesc.digest)) send(img.layer, "application/octet-stream", img.layerDesc.digest);
  };
}

async function setup(options: { lowSpeedLimit?: number; lowSpeedTime?: number } = {}) {
  dir = await mkdtemp(join(tmpdir(), "toci-hostile-"));
  const store = await fsStore(dir);
  const logger = testLogger();
  const transport = fetchTransport({ retry: false, timeout: 2_000, idleTimeout: 300 });
  const client = new Client({ transport, store, logger, blobAttempts: 2, ...options });
  const repo = client.registry(registry.url, { auth: { type: "basic", username: USER, password: PASS } }).repo("a/b");
  return { client, store, logger, repo };
}

/** Blob files in the layout (nothing should be stored after a failure, except maybe the honest config). */
async function storedBlobs(): Promise<string[]> {
  return (await readdir(join(dir, "blobs", "sha256")).catch(() => [])).map((f) => `sha256:${f}`);
}

async function layoutFiles(): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.push(`${path} ${(await stat(path)).size}`);
  }
  return out.sort();
}

function credentialsOnlyAtRegistry() {
  expect(elsewhere.requests.filter((r) => r.authorization !== undefined)).toEqual([]);
}

async function pullFails(code: string | RegExp, maxMs = 5_000, options: Parameters<typeof setup>[0] = {}) {
  const { client, store, repo } = await setup(options);
  const started = Date.now();
  const events = await collect(repo.pull("v1"));
  const elapsed = Date.now() - started;
  const last = events.at(-1);
  expect(last?.type).toBe("failed");
  if (last?.type === "failed") expect(last.error.code).toMatch(code);
  expect(elapsed).toBeLessThan(maxMs);
  expect(await store.resolve("v1")).toBeUndefined();
  // `failed` is the end: no download still writes into the layout after it (it once did: ENOTEMPTY on cleanup).
  const snapshot = await layoutFiles();
  await sleep(100);
  expect(await layoutFiles()).toEqual(snapshot);
  await client.close();
  return { last, store };
}

describe("a registry that lies about content", () => {
  it("blob bytes that do not match the manifest's digest: DIGEST_MISMATCH, the blob is not stored", async () => {
    const img = await image(new Uint8Array(100_000).fill(7));
    registry.route = serve(img, (req, res) => {
      if (req.url?.endsWith(img.layerDesc.digest)) {
        const lie = new Uint8Array(img.layer.length).fill(8);
        res.writeHead(200, { "content-length": lie.length }).end(req.method === "HEAD" ? undefined : lie);
      }
    });
    await pullFails("DIGEST_MISMATCH");
    expect(await storedBlobs()).not.toContain(img.layerDesc.digest);
  });

  it("a blob shorter than the manifest says: SIZE_MISMATCH (or a network error), nothing stored", async () => {
    const img = await image(new Uint8Array(50_000).fill(1));
    registry.route = serve(img, (req, res) => {
      if (req.url?.endsWith(img.layerDesc.digest)) {
        res
          .writeHead(200, { "content-length": 1000 })
          .end(req.method === "HEAD" ? undefined : img.layer.slice(0, 1000));
      }
    });
    await pullFails(/SIZE_MISMATCH|NETWORK|DIGEST_MISMATCH/);
    expect(await storedBlobs()).not.toContain(img.layerDesc.digest);
  });

  it("an endless blob body stops at the declared size: bounded time and memory, nothing stored", async () => {
    const img = await image(new Uint8Array(64 * 1024).fill(2));
    let sent = 0;
    registry.route = serve(img, (req, res) => {
      if (req.url?.endsWith(img.layerDesc.digest) && req.method === "GET") {
        res.writeHead(200, { "content-type": "application/octet-stream" }); // chunked, no length, never ends
        const chunk = Buffer.alloc(64 * 1024, 3);
        const pump = () => {
          while (!res.destroyed && sent < 2 ** 31 && res.write(chunk)) sent += chunk.length;
          if (!res.destroyed) res.once("drain", pump);
        };
        res.on("close", () => res.removeAllListeners("drain"));
        pump();
      }
    });
    const rss = process.memoryUsage().rss;
    await pullFails(/SIZE_MISMATCH|DIGEST_MISMATCH/);
    expect(sent).toBeLessThan(256 * 1024 * 1024);
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * 1024 * 1024);
    expect(await storedBlobs()).not.toContain(img.layerDesc.digest);
  });

  it("an endless manifest body is cut at the manifest cap", async () => {
    registry.route = (req, res) => {
      if (!req.url?.includes("/manifests/")) return;
      res.writeHead(200, { "content-type": OCI_MANIFEST });
      if (req.method === "HEAD") return void res.end();
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {}
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    };
    await pullFails(/PROTOCOL|MANIFEST_INVALID|SIZE|TOO_LARGE|MANIFEST/);
    expect(await storedBlobs()).toEqual([]);
  });

  it("a 100 MB manifest with its Content-Length is refused at the cap without being read", async () => {
    const size = 100 * 1024 * 1024;
    let sent = 0;
    registry.route = (req, res) => {
      if (!req.url?.includes("/manifests/")) return;
      // A HEAD without length or digest, so that the client has to GET the body to learn anything.
      if (req.method === "HEAD") return void res.writeHead(200, { "content-type": OCI_MANIFEST }).end();
      res.writeHead(200, { "content-type": OCI_MANIFEST, "content-length": size });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        let room = true;
        while (room && !res.destroyed && sent < size) {
          sent += chunk.length;
          room = res.write(chunk);
        }
        if (sent >= size) res.end();
        else if (!res.destroyed) res.once("drain", pump);
      };
      res.on("close", () => res.removeAllListeners("drain"));
      pump();
    };
    const { client, store, repo } = await setup();
    const events = await collect(repo.pull("v1"));
    expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "MANIFEST_INVALID" } });
    // What socket buffers hold on loopback, not the 100 MB.
    expect(sent).toBeLessThan(16 * 1024 * 1024);
    expect(await store.resolve("v1")).toBeUndefined();
    expect(await storedBlobs()).toEqual([]);
    await client.close();
  });

  it("a manifest whose bytes do not match the digest the registry announced: DIGEST_MISMATCH", async () => {
    const img = await image(new Uint8Array(10).fill(4));
    const other = await image(new Uint8Array(10).fill(5));
    registry.route = (req, res) => {
      if (!req.url?.includes("/manifests/")) return;
      res.writeHead(200, {
        "content-type": OCI_MANIFEST,
        "content-length": other.manifest.length,
        "docker-content-digest": img.manifestDesc.digest,
      });
      res.end(req.method === "HEAD" ? undefined : other.manifest);
    };
    await pullFails(/DIGEST_MISMATCH/);
    expect(await storedBlobs()).toEqual([]);
  });

  it("a manifest served as an index (content-type lies): a clear error, nothing stored", async () => {
    const img = await image(new Uint8Array(10).fill(6));
    registry.route = serve(img, (req, res) => {
      if (req.url?.includes("/manifests/")) {
        res.writeHead(200, {
          "content-type": OCI_INDEX,
          "content-length": img.manifest.length,
          "docker-content-digest": img.manifestDesc.digest,
        });
        res.end(req.method === "HEAD" ? undefined : img.manifest);
      }
    });
    const { client, store, repo } = await setup();
    const events = await collect(repo.pull("v1"));
    const last = events.at(-1);
    // Either refused, or pulled as what the bytes are; never stored as an index.
    if (last?.type === "failed") {
      expect(last.error.code).toMatch(/MANIFEST_INVALID|PROTOCOL|UNSUPPORTED/);
      expect(await store.resolve("v1")).toBeUndefined();
    } else {
      expect((await store.resolve("v1"))?.mediaType).toBe(OCI_MANIFEST);
    }
    await client.close();
  });

  it("a slow drip is cut by the idle timeout: TIMEOUT in bounded time, nothing stored", async () => {
    const img = await image(new Uint8Array(10_000).fill(9));
    registry.route = serve(img, (req, res) => {
      if (req.url?.endsWith(img.layerDesc.digest) && req.method === "GET") {
        res.writeHead(200, { "content-length": img.layer.length });
        res.write(img.layer.slice(0, 10)); // then nothing, ever
      }
    });
    await pullFails(/TIMEOUT|NETWORK/, 6_000);
    expect(await storedBlobs()).not.toContain(img.layerDesc.digest);
  });
});

describe("a registry that drips under the idle timeout", () => {
  it("is cut by the low-speed rule: TIMEOUT on each attempt, in bounded time, nothing stored", async () => {
    const img = await image(new Uint8Array(10_000).fill(11));
    let drips = 0;
    registry.route = serve(img, async (req, res) => {
      if (req.url?.endsWith(img.layerDesc.digest) && req.method === "GET") {
        res.writeHead(200, { "content-length": img.layer.length });
        // One byte every 100 ms (the idle timeout is 300 ms) for 4 s, then the connection is cut: without the rule
        // each attempt would last the whole 4 s and end as a NETWORK error.
        for (let i = 0; i < 40 && !res.destroyed; i++) {
          res.write(img.layer.subarray(i, i + 1));
          drips++;
          await sleep(100);
        }
        res.destroy();
      }
    });
    await pullFails("TIMEOUT", 4_000, { lowSpeedLimit: 1024, lowSpeedTime: 500 });
    expect(await storedBlobs()).not.toContain(img.layerDesc.digest);
    // Two attempts, each cut within its window: far fewer drips than the 80 the registry would have sent.
    expect(drips).toBeLessThan(40);
  });
});

describe("a registry that points elsewhere", () => {
  it("a blob redirect to another origin is followed without credentials", async () => {
    const img = await image(new Uint8Array(20_000).fill(10));
    elsewhere.route = serve(img);
    registry.route = serve(img, (req, res) => {
      if (req.url?.endsWith(img.layerDesc.digest)) {
        res.writeHead(307, { location: `${elsewhere.url}/storage/${img.layerDesc.digest}`, "content-length": "0" });
        res.end();
      }
    });
    const { client, store, repo } = await setup();
    const events = await collect(repo.pull("v1"));
    expect(events.at(-1)).toMatchObject({ type: "progress", percent: 100 });
    expect(await store.exists(img.layerDesc)).toBe(true);
    expect(elsewhere.requests.length).toBeGreaterThan(0);
    credentialsOnlyAtRegistry();
    await client.close();
  });

  it("a tags Link to another host is not followed with credentials", async () => {
    registry.route = (req, res) => {
      if (req.url?.includes("/tags/list")) {
        res.writeHead(200, {
          "content-type": "application/json",
          link: `<${elsewhere.url}/v2/a/b/tags/list?last=a>; rel="next"`,
        });
        res.end(JSON.stringify({ name: "a/b", tags: ["a"] }));
      }
    };
    elsewhere.route = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: "a/b", tags: ["evil"] }));
    };
    const { client, repo } = await setup();
    const tags = await repo.tags();
    expect(tags).toContain("a");
    expect(tags).not.toContain("evil");
    credentialsOnlyAtRegistry();
    await client.close();
  });

  // Issue 19: the origin check alone let a Link to another application on the registry's host (same origin, outside
  // /v2/) take the registry's credentials there, as upload Locations may not.
  it("a tags Link outside /v2/ on the registry's own origin is not followed with credentials", async () => {
    registry.route = (req, res) => {
      if (req.url?.includes("/tags/list")) {
        res.writeHead(200, { "content-type": "application/json", link: '</admin/secret?last=a>; rel="next"' });
        res.end(JSON.stringify({ name: "a/b", tags: ["a"] }));
      } else if (req.url?.startsWith("/admin")) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ tags: ["secret"] }));
      }
    };
    const { client, repo, logger } = await setup();
    const tags = await repo.tags();
    expect(tags).toEqual(["a"]);
    expect(registry.requests.filter((r) => r.url.startsWith("/admin"))).toEqual([]);
    expect(logger.warnings.join("\n")).toMatch(/outside the registry's API/);
    await client.close();
  });

  it.each([
    ["another scheme", () => "file:///etc/passwd"],
    ["another origin", () => `${elsewhere.url}/v2/a/b/blobs/uploads/1`],
    ["a `..` escaping /v2/ to another origin-relative path", () => "/v2/a/b/blobs/uploads/../../../../../admin/x"],
  ])("an upload Location to %s gets no credentials", async (_name, location) => {
    const data = new TextEncoder().encode("hello hostile world");
    const desc: Descriptor = await describeContent(data);
    const adminHits = () => registry.requests.filter((r) => r.url.startsWith("/admin")).length;
    registry.route = (req, res) => {
      if (req.method === "HEAD") return void res.writeHead(404, { "content-length": "0" }).end();
      if (req.method === "POST" && req.url?.includes("/blobs/uploads/")) {
        res.writeHead(202, { location: location(), "content-length": "0" }).end();
        return;
      }
      if (req.url?.startsWith("/admin")) {
        req.resume();
        res.writeHead(201, { "docker-content-digest": desc.digest, "content-length": "0" }).end();
      }
    };
    elsewhere.route = (req, res) => {
      req.resume();
      res.writeHead(201, { "docker-content-digest": desc.digest, "content-length": "0" }).end();
    };
    const { client, repo } = await setup();
    const started = Date.now();
    const events = await collect(repo.push(data, desc));
    expect(Date.now() - started).toBeLessThan(5_000);
    credentialsOnlyAtRegistry();
    const last = events.at(-1);
    // Another scheme and a climb out of /v2/ are refused outright; another origin (a storage backend) may get
    // the upload, never the credentials.
    if (_name === "another origin") expect(last).toMatchObject({ type: "progress", percent: 100 });
    else expect(last).toMatchObject({ type: "failed", error: { code: "PROTOCOL" } });
    expect(adminHits()).toBe(0);
    await client.close();
  });
});

// A redirect target that answers 401 with a challenge naming a realm on a third origin: before the fix, toci ran the
// token flow there with the registry's Basic credentials (or refresh token), then sent the third origin's token
// back to the registry. A challenge is only believed from the registry's own origin.
describe("a 401 from a redirect target", () => {
  const transports = {
    fetch: () => fetchTransport({ retry: false, timeout: 2_000 }),
    node: () => nodeTransport({ retry: false, timeout: 2_000 }),
  };
  const auths = {
    basic: { type: "basic", username: USER, password: PASS },
    "refresh-token": { type: "refresh-token", refreshToken: "r3fresh" },
  } as const;
  const cases = Object.keys(transports).flatMap((t) => Object.keys(auths).map((a) => [t, a] as const)) as [
    keyof typeof transports,
    keyof typeof auths,
  ][];
  // A registry that asks for nothing itself: the only challenge anywhere is the redirect target's.
  let open: TestServer;
  beforeAll(async () => {
    open = await startServer(false);
  });
  afterAll(async () => {
    open.server.closeAllConnections();
    await new Promise((r) => open.server.close(r));
  });
  afterEach(() => {
    open.route = undefined;
    open.requests.length = 0;
  });

  function hostileRedirects(img: Image, redirected: (url: string) => boolean) {
    open.route = serve(img, (req, res) => {
      if (redirected(req.url ?? "")) {
        res.writeHead(307, { location: `${elsewhere.url}/storage${req.url}`, "content-length": "0" }).end();
      }
    });
    elsewhere.route = (_req, res) => {
      const challenge = `Bearer realm="${realm.url}/token",service="evil",scope="repository:a/b:pull"`;
      res.writeHead(401, { "www-authenticate": challenge, "content-length": "0" }).end();
    };
    realm.route = (req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" }).end('{"token":"stolen","expires_in":300}');
    };
  }

  async function hostileClient(t: keyof typeof transports, a: keyof typeof auths) {
    dir = await mkdtemp(join(tmpdir(), "toci-hostile-"));
    const store = await fsStore(dir);
    const client = new Client({ transport: transports[t](), store, logger: testLogger(), blobAttempts: 1 });
    return { client, store, registry: client.registry(open.url, { auth: auths[a] }) };
  }

  function nothingLeaked() {
    expect(realm.requests).toEqual([]);
    expect(elsewhere.requests.filter((r) => r.authorization !== undefined)).toEqual([]);
    expect(open.requests.filter((r) => r.authorization !== undefined)).toEqual([]);
  }

  it.each(cases)("a redirected blob GET (%s transport, %s credentials): UNAUTHORIZED, no token flow", async (t, a) => {
    const img = await image(new Uint8Array(5_000).fill(3));
    hostileRedirects(img, (url) => url.endsWith(img.layerDesc.digest));
    const { client, store, registry: reg } = await hostileClient(t, a);
    const events = await collect(reg.repo("a/b").pull("v1"));
    expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "UNAUTHORIZED" } });
    expect(elsewhere.requests.length).toBeGreaterThan(0); // the redirect was followed
    expect(await store.exists(img.layerDesc)).toBe(false);
    nothingLeaked();
    await client.close();
  });

  it.each(cases)("a redirected GET /v2/ (%s transport, %s credentials): ping false, no token flow", async (t, a) => {
    const img = await image(new Uint8Array(10).fill(1));
    hostileRedirects(img, (url) => url === "/v2/");
    const { client, registry: reg } = await hostileClient(t, a);
    expect(await reg.ping()).toBe(false);
    expect(elsewhere.requests.length).toBeGreaterThan(0);
    nothingLeaked();
    await client.close();
  });
});
