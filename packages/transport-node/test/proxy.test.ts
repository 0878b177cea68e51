// Through a real forward proxy (testkit's startForwardProxy) to real registries (distribution 2.8.2, htpasswd, plain
// HTTP and TLS): a push and a pull of a blob and a manifest, the proxy's log checked. The registries are addressed
// as `registry.test`, a name only the proxy resolves (RFC 2606 reserves .test), so a request that went direct
// would fail: every request that succeeds went through the proxy.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { type ClosableTransport, isOciError } from "@toci/spec-types";
import { type ForwardProxy, startForwardProxy } from "@toci/testkit/proxy";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeTransportOptions, nodeTransport } from "../src/index.js";

const PROXY_USER = { username: "proxy-user", password: "proxy-secret" };
let plain: RunningRegistry;
let secure: RunningRegistry;
let open: ForwardProxy;
let guarded: ForwardProxy;

beforeAll(async () => {
  [plain, secure] = await Promise.all([
    startRegistry({ auth: "htpasswd" }),
    startRegistry({ auth: "htpasswd", tls: true }),
  ]);
  const hosts = { "registry.test": "127.0.0.1" };
  [open, guarded] = await Promise.all([startForwardProxy({ hosts }), startForwardProxy({ hosts, auth: PROXY_USER })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([plain?.stop(), secure?.stop(), open?.stop(), guarded?.stop()]);
});

const viaName = (registry: RunningRegistry) => registry.url.replace("127.0.0.1", "registry.test");
const basic = (registry: RunningRegistry) =>
  `Basic ${Buffer.from(`${registry.credentials!.username}:${registry.credentials!.password}`).toString("base64")}`;
const withCredentials = (proxy: ForwardProxy) =>
  proxy.url.replace("http://", `http://${PROXY_USER.username}:${PROXY_USER.password}@`);

/** Pushes a blob (POST, then PUT of `size` random bytes) and a manifest naming it, then pulls both back. */
async function pushAndPull(transport: ClosableTransport, base: string, authorization: string, size = 3 << 20) {
  const headers = { authorization };
  const bytes = randomBytes(size);
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const post = await transport.request({ method: "POST", url: `${base}/v2/proxied/app/blobs/uploads/`, headers });
  expect(post.status).toBe(202);
  await post.body?.cancel();
  const location = new URL(post.headers.get("location")!, base);
  location.searchParams.set("digest", digest);
  const put = await transport.request({ method: "PUT", url: location.href, headers, body: new Blob([bytes]) });
  expect(put.status).toBe(201);
  await put.body?.cancel();
  const config = { mediaType: "application/vnd.oci.empty.v1+json", digest, size };
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config,
    layers: [],
  });
  const type = { "content-type": "application/vnd.oci.image.manifest.v1+json" };
  const putManifest = await transport.request({
    method: "PUT",
    url: `${base}/v2/proxied/app/manifests/v1`,
    headers: { ...headers, ...type },
    body: manifest,
  });
  expect(putManifest.status).toBe(201);
  await putManifest.body?.cancel();

  const head = await transport.request({
    method: "HEAD",
    url: `${base}/v2/proxied/app/manifests/v1`,
    headers: { ...headers, accept: type["content-type"] },
  });
  expect(head.status).toBe(200);
  const got = await transport.request({ method: "GET", url: `${base}/v2/proxied/app/blobs/${digest}`, headers });
  expect(got.status).toBe(200);
  const hash = createHash("sha256");
  let length = 0;
  const reader = got.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    hash.update(read.value);
    length += read.value.byteLength;
  }
  expect(length).toBe(size);
  expect(`sha256:${hash.digest("hex")}`).toBe(digest);
}

describe("an https registry through a CONNECT tunnel", () => {
  it("pushes and pulls; the proxy saw CONNECTs with its own credentials and never the registry's Authorization", async () => {
    guarded.log.length = 0;
    await using transport = nodeTransport({
      proxy: withCredentials(guarded),
      ca: readFileSync(secure.caFile!, "utf8"),
    });
    await pushAndPull(transport, viaName(secure), basic(secure), 8 << 20);
    expect(guarded.log.length).toBeGreaterThan(0);
    for (const entry of guarded.log) {
      expect(entry).toMatchObject({ kind: "connect", target: `registry.test:${secure.port}`, status: 200 });
      expect(entry.headers["proxy-authorization"]).toBe(
        `Basic ${Buffer.from("proxy-user:proxy-secret").toString("base64")}`,
      );
      expect(entry.headers.authorization).toBeUndefined();
      expect(JSON.stringify(entry.headers)).not.toContain(basic(secure).slice(6));
    }
  }, 30_000);

  it("a proxy that wants credentials refuses the tunnel: NETWORK, with the proxy's status", async () => {
    await using transport = nodeTransport({
      proxy: guarded.url,
      ca: readFileSync(secure.caFile!, "utf8"),
      retry: false,
    });
    const error = await transport.request({ method: "GET", url: `${viaName(secure)}/v2/` }).catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("NETWORK");
    expect((error as Error).message).toContain("407");
  });

  it("the TLS certificate is still checked end to end: an unknown CA fails", async () => {
    await using transport = nodeTransport({ proxy: open.url, retry: false });
    const error = await transport.request({ method: "GET", url: `${viaName(secure)}/v2/` }).catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("NETWORK");
    expect((error as Error).message).toMatch(/certificate/i);
  });
});

describe("an http registry through absolute-form requests", () => {
  it("pushes and pulls; every request went to the proxy with its credentials, in absolute form", async () => {
    guarded.log.length = 0;
    await using transport = nodeTransport({ proxy: { http: withCredentials(guarded) } });
    await pushAndPull(transport, viaName(plain), basic(plain), 8 << 20);
    const base = `${viaName(plain)}/v2/proxied/app/`;
    expect(
      guarded.log.map((e) => `${e.method} ${e.target.replace(/\?.*/, "").replace(/[0-9a-f-]{36}/, "ID")}`),
    ).toEqual([
      `POST ${base}blobs/uploads/`,
      `PUT ${base}blobs/uploads/ID`,
      `PUT ${base}manifests/v1`,
      `HEAD ${base}manifests/v1`,
      expect.stringMatching(new RegExp(`^GET ${base}blobs/sha256:`)),
    ]);
    for (const entry of guarded.log) {
      expect(entry.kind).toBe("forward");
      expect(entry.headers["proxy-authorization"]).toBe(
        `Basic ${Buffer.from("proxy-user:proxy-secret").toString("base64")}`,
      );
    }
  }, 30_000);

  it("without the proxy's credentials the proxy's 407 comes back as the response", async () => {
    await using transport = nodeTransport({ proxy: guarded.url });
    const res = await transport.request({ method: "GET", url: `${viaName(plain)}/v2/` });
    expect(res.status).toBe(407);
    expect(res.headers.get("proxy-authenticate")).toContain("Basic");
    await res.body?.cancel();
  });
});

describe("the proxy from the environment", () => {
  const withEnv = async (env: Record<string, string>, run: () => Promise<void>) => {
    const saved = { ...process.env };
    for (const name of ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"])
      delete process.env[name];
    Object.assign(process.env, env);
    try {
      await run();
    } finally {
      process.env = saved;
    }
  };

  it("HTTP_PROXY is used by default, and an explicit `proxy: false` overrides it", async () => {
    await withEnv({ HTTP_PROXY: open.url }, async () => {
      open.log.length = 0;
      await using transport = nodeTransport();
      const res = await transport.request({ method: "GET", url: `${viaName(plain)}/v2/` });
      expect(res.status).toBe(401);
      await res.body?.cancel();
      expect(open.log.at(-1)).toMatchObject({ kind: "forward", method: "GET", target: `${viaName(plain)}/v2/` });
      await using direct = nodeTransport({ proxy: false, retry: false });
      const error = await direct.request({ method: "GET", url: `${viaName(plain)}/v2/` }).catch((e: unknown) => e);
      expect(isOciError(error) && error.code).toBe("NETWORK"); // registry.test does not resolve without the proxy
    });
  });

  it("NO_PROXY sends a host direct; loopback is never proxied from the environment", async () => {
    await withEnv({ HTTPS_PROXY: open.url, HTTP_PROXY: open.url, NO_PROXY: "registry.test" }, async () => {
      open.log.length = 0;
      await using transport = nodeTransport({ retry: false });
      const error = await transport.request({ method: "GET", url: `${viaName(plain)}/v2/` }).catch((e: unknown) => e);
      expect(isOciError(error) && error.code).toBe("NETWORK");
      const res = await transport.request({ method: "GET", url: `${plain.url}/v2/` });
      expect(res.status).toBe(401);
      await res.body?.cancel();
      expect(open.log).toEqual([]);
    });
  });
});

describe("client certificates (mTLS)", () => {
  let mtls: RunningRegistry;
  beforeAll(async () => {
    mtls = await startRegistry({ tls: true, clientCa: true });
  }, 30_000);
  afterAll(() => mtls?.stop());
  const ca = () => readFileSync(mtls.caFile!, "utf8");
  const client = () => ({ cert: readFileSync(mtls.clientCert!, "utf8"), key: readFileSync(mtls.clientKey!, "utf8") });

  it("a registry asking for a client certificate refuses a client without one", async () => {
    await using transport = nodeTransport({ ca: ca(), retry: false });
    const error = await transport.request({ method: "GET", url: `${mtls.url}/v2/` }).catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("NETWORK");
  });

  it.each<[string, () => NodeTransportOptions]>([
    ["for the transport", () => ({ ca: ca(), ...client() })],
    ["for its origin only", () => ({ tls: { [mtls.url]: { ca: ca(), ...client() } } })],
    ["through a CONNECT tunnel", () => ({ ca: ca(), ...client(), proxy: open.url })],
  ])("accepts the client with its certificate given %s", async (_how, options) => {
    await using transport = nodeTransport(options());
    const res = await transport.request({ method: "GET", url: `${mtls.url}/v2/` });
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });
});
