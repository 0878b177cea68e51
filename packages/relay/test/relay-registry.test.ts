// The relay in front of a real distribution 2.8.2 with token auth, behind the testkit's fault proxy (whose log
// shows what reached the registry and the blob storage), served by @toci/relay/node and sending with its nodeFetch,
// used by @toci/client in Node with every request carrying the page's Origin, as a browser's would:
//   client → relay (node:http) → fault proxy (+ its blob origin) → registry / token server
import { Client, type Repository } from "@toci/client";
import { describe as describeBlob, type TransferEvent, type Transport } from "@toci/spec-types";
import { memoryStore } from "@toci/store-memory";
import { multiArchIndex, ociImage, pushFixture, seededBytes } from "@toci/testkit/fixtures";
import { type FaultProxy, redirectBlob, startFaultProxy } from "@toci/testkit/proxy";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { fetchTransport } from "@toci/transport-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayEvent, relay } from "../src/index.js";
import { nodeFetch, type RunningServer, serve } from "../src/node.js";

const PAGE = "http://app.example:8080";
const multi = multiArchIndex({ seed: "relay", layerSizes: [2048, 300_000] });
const other = ociImage({ seed: "relay-other" });

let registry: RunningRegistry;
let proxy: FaultProxy;
let server: RunningServer;
const events: RelayEvent[] = [];

/** fetchTransport, with the page's Origin on every request (token requests included). */
function pageTransport(origin = PAGE): Transport {
  const inner = fetchTransport();
  return { request: (r) => inner.request({ ...r, headers: { ...r.headers, origin } }) };
}

async function last(events: AsyncIterable<TransferEvent>): Promise<TransferEvent> {
  let end: TransferEvent | undefined;
  for await (const e of events) end = e;
  return end!;
}

function repo(client: Client, name: string, relayUrl = server.url): Repository {
  return client.registry(`${relayUrl}/reg`, { auth: { type: "basic", ...registry.credentials! } }).repo(name);
}

beforeAll(async () => {
  registry = await startRegistry({ auth: "token" });
  proxy = await startFaultProxy({ target: registry.url });
  const credentials = registry.credentials!;
  await pushFixture(multi, { url: registry.url, repo: "demo/multi", tag: "v1", credentials });
  await pushFixture(other, { url: registry.url, repo: "demo/other", tag: "v1", credentials });
  // The fault proxy's blob storage starts with its first redirect; the relay must list it (a loopback origin).
  const warm = proxy.on({ method: "GET", path: /\/blobs\//, times: 1 }, redirectBlob());
  await using direct = new Client({ transport: fetchTransport(), store: memoryStore() });
  const image = multi.images[0]!;
  await direct
    .registry(proxy.url, { auth: { type: "basic", ...credentials } })
    .repo("demo/multi")
    .exists(image.config);
  await direct
    .registry(proxy.url, { auth: { type: "basic", ...credentials } })
    .repo("demo/multi")
    .fetch(image.config, (s) => new Response(s).arrayBuffer());
  expect(warm.hits).toBe(1);
  const handler = relay({
    upstreams: [
      { url: proxy.url, name: "reg", origins: [new URL(registry.token!.realm).origin, proxy.blobOrigin!.url] },
    ],
    allowOrigins: [PAGE],
    log: (e) => events.push(e),
    // What Node deployments use (Node's fetch holds streamed uploads in memory); the Chromium tests' relay uses
    // Node's fetch, so both meet a real registry.
    fetch: nodeFetch,
  });
  server = await serve(handler);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await proxy?.stop();
  await registry?.stop();
});

describe("the relay in front of a token-auth registry (Node)", () => {
  it("pulls an image with credentials: Basic only to the token server, Bearer only to the registry", async () => {
    proxy.clearRequests();
    registry.tokenServer!.reset();
    await using client = new Client({ transport: pageTransport(), store: memoryStore() });
    const end = await last(repo(client, "demo/multi").pull("v1", { platform: "linux/arm64" }));
    expect(end).toMatchObject({ type: "progress", percent: 100 });
    const arm64 = multi.images[1]!;
    for (const blob of [arm64.root, arm64.config, ...arm64.layers]) expect(await client.store.exists(blob)).toBe(true);

    const tokens = registry.tokenServer!.requests;
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.every((t) => t.user === registry.credentials!.username && t.status === 200)).toBe(true);
    const seen = proxy.requests.map((r) => r.headers.authorization ?? "");
    expect(seen.some((a) => a.startsWith("Bearer "))).toBe(true);
    expect(seen.filter((a) => a !== "" && !a.startsWith("Bearer "))).toEqual([]);
    // The registry saw the relay, not the page: no Origin, no cookie crossed.
    expect(proxy.requests.filter((r) => r.headers.origin !== undefined || r.headers.cookie !== undefined)).toEqual([]);
  });

  it("follows blob redirects to the storage origin itself: no Authorization reaches it", async () => {
    const rule = proxy.on({ method: "GET", path: /\/blobs\// }, redirectBlob({ rejectAuthorization: true }));
    proxy.clearRequests();
    try {
      await using client = new Client({ transport: pageTransport(), store: memoryStore() });
      const end = await last(repo(client, "demo/multi").pull("v1", { platform: "linux/amd64" }));
      expect(end).toMatchObject({ type: "progress", percent: 100 });
      expect(rule.hits).toBeGreaterThanOrEqual(3);
      const storage = proxy.blobOrigin!.requests;
      expect(storage.length).toBeGreaterThanOrEqual(3);
      expect(storage.filter((r) => r.authorization)).toEqual([]);
      expect(storage.every((r) => r.status === 200 || r.status === 206)).toBe(true);
    } finally {
      rule.remove();
    }
  });

  it("pushes through it: upload Locations point at the relay, bodies stream upstream", async () => {
    proxy.clearRequests();
    await using client = new Client({ transport: pageTransport(), store: memoryStore() });
    const bytes = seededBytes("relay-push", 3 * 1024 * 1024 + 17);
    const desc = await describeBlob(bytes, { mediaType: "application/octet-stream" });
    const end = await last(repo(client, "demo/pushed").push(bytes, desc));
    expect(end).toMatchObject({ type: "progress", percent: 100 });
    const put = proxy.requests.find((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/"));
    expect(put?.bytesIn).toBe(bytes.byteLength);
    await using direct = new Client({ transport: fetchTransport(), store: memoryStore() });
    const there = direct.registry(registry.url, { auth: { type: "basic", ...registry.credentials! } });
    expect(await there.repo("demo/pushed").exists(desc)).toBe(true);
  });

  it("pages the catalog through rewritten Link headers", async () => {
    await using client = new Client({ transport: pageTransport(), store: memoryStore() });
    const reg = client.registry(`${server.url}/reg`, { auth: { type: "basic", ...registry.credentials! } });
    const pages: string[][] = [];
    for await (const page of reg.catalog({ n: 1 })) pages.push(page.map((r) => r.name));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.flat()).toEqual(expect.arrayContaining(["demo/multi", "demo/other", "demo/pushed"]));
  });

  it("refuses another origin, and a relay that does not list the token server sends it nothing", async () => {
    await using stranger = new Client({ transport: pageTransport("http://evil.example"), store: memoryStore() });
    expect(await repo(stranger, "demo/multi").resolve("v1")).toBeUndefined();

    const strict = await serve(relay({ upstreams: [{ url: proxy.url, name: "reg" }], allowOrigins: [PAGE] }));
    try {
      registry.tokenServer!.reset();
      await using client = new Client({ transport: pageTransport(), store: memoryStore() });
      const end = await last(repo(client, "demo/multi", strict.url).pull("v1", { platform: "linux/arm64" }));
      expect(end.type).toBe("failed");
      expect(registry.tokenServer!.requests).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it("forwards token requests to the announced realm only, not to any other path of its listed origin", async () => {
    const realm = new URL(registry.token!.realm);
    const b64 = (url: string) => btoa(url).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const basic = `Basic ${btoa(`${registry.credentials!.username}:${registry.credentials!.password}`)}`;
    const ask = (url: string) =>
      fetch(`${server.url}/reg/_token/${b64(url)}?service=${registry.token!.service}`, {
        headers: { origin: PAGE, authorization: basic },
      });
    registry.tokenServer!.reset();
    // The token server answers GET /_stats with what it has seen: another application on the realm's origin.
    const stats = await ask(`${realm.origin}/_stats`);
    expect(stats.status).toBe(403);
    expect(registry.tokenServer!.requests).toEqual([]);
    // The realm it announced is still served (learnt from the pulls above, or from the registry's /v2/).
    const token = await ask(realm.href);
    expect(token.status).toBe(200);
    expect(((await token.json()) as { token?: string }).token).toBeTruthy();
    expect(registry.tokenServer!.requests).toHaveLength(1);
  });

  it("logged what it refused (the stranger's origin, the unannounced realm) and nothing else", () => {
    expect(events.length).toBeGreaterThan(0);
    const expected = (e: RelayEvent) =>
      e.type === "refused" && e.status === 403 && (e.reason.includes("evil") || e.reason.includes("/_stats"));
    expect(events.filter((e) => !expected(e))).toEqual([]);
  });
});
