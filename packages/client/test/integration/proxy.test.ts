// Pulls and pushes through an HTTP proxy (issue 16): the client over nodeTransport with a `proxy`, testkit's real
// forward proxy, and distribution 2.8.2 with Basic auth, over TLS (a CONNECT tunnel) and plain HTTP (absolute-form
// requests). The registries are addressed as `registry.test`, a name only the proxy resolves, so a transfer that
// succeeds went through the proxy; the proxy's log shows what it saw.
import { readFileSync } from "node:fs";
import { memoryStore } from "@toci/store-memory";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { type ForwardProxy, startForwardProxy } from "@toci/testkit/proxy";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { nodeTransport } from "@toci/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../../src/index.js";
import { collect, succeeded, testLogger, uniqueRepo } from "./helpers.js";

let plain: RunningRegistry;
let secure: RunningRegistry;
let proxy: ForwardProxy;
beforeAll(async () => {
  [plain, secure, proxy] = await Promise.all([
    startRegistry({ auth: "htpasswd" }),
    startRegistry({ auth: "htpasswd", tls: true }),
    startForwardProxy({ hosts: { "registry.test": "127.0.0.1" }, auth: { username: "pu", password: "pp" } }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([plain?.stop(), secure?.stop(), proxy?.stop()]);
});

/** Pulls a pushed image through the proxy, then pushes it to a new repository through the proxy, then pulls that. */
async function roundTrip(registry: RunningRegistry) {
  const fixture = ociImage({ seed: `proxy-${registry.tls}`, layerSizes: [3 << 20, 1000, 70_000] });
  const repo = uniqueRepo("proxied");
  await pushFixture(fixture, {
    url: registry.url,
    repo,
    tag: "v1",
    credentials: registry.credentials,
    caFile: registry.caFile,
  });
  const transport = nodeTransport({
    proxy: `http://pu:pp@127.0.0.1:${proxy.port}`,
    ca: registry.caFile ? readFileSync(registry.caFile, "utf8") : undefined,
  });
  const store = memoryStore();
  await using client = new Client({ transport, store, logger: testLogger() });
  const remote = client.registry(registry.url.replace("127.0.0.1", "registry.test"), {
    auth: { type: "basic", ...registry.credentials! },
    allowInsecureCredentials: true, // plain HTTP to a host that is not loopback: the test's own choice
  });
  proxy.log.length = 0;
  expect(succeeded(await collect(remote.repo(repo).pull("v1")))).toBe(true);
  const root = await store.resolve("v1");
  expect(root?.digest).toBe(fixture.root.digest);
  const copy = `${repo}-copy`;
  expect(succeeded(await collect(remote.repo(copy).push(root!, { tag: "v1" })))).toBe(true);
  expect((await remote.repo(copy).resolve("v1"))?.digest).toBe(fixture.root.digest);
  return { repo, copy };
}

describe("through an HTTP proxy", () => {
  it("a TLS registry: pull and push through CONNECT tunnels; the proxy never saw the registry's Authorization", async () => {
    await roundTrip(secure);
    expect(proxy.log.length).toBeGreaterThan(0);
    for (const entry of proxy.log) {
      expect(entry).toMatchObject({ kind: "connect", target: `registry.test:${secure.port}`, status: 200 });
      expect(entry.headers.authorization).toBeUndefined();
    }
  }, 60_000);

  it("a plain HTTP registry: every request went to the proxy, in absolute form, with the proxy's credentials", async () => {
    const { repo, copy } = await roundTrip(plain);
    const base = `http://registry.test:${plain.port}/v2/`;
    expect(proxy.log.length).toBeGreaterThan(5);
    for (const entry of proxy.log) {
      expect(entry.kind).toBe("forward");
      expect(entry.target.startsWith(base)).toBe(true);
      expect(entry.headers["proxy-authorization"]).toBe(`Basic ${Buffer.from("pu:pp").toString("base64")}`);
    }
    const paths = proxy.log.map((e) => `${e.method} ${new URL(e.target).pathname}`);
    expect(paths.some((p) => p.startsWith(`GET /v2/${repo}/blobs/sha256:`))).toBe(true);
    expect(paths).toContain(`PUT /v2/${copy}/manifests/v1`);
  }, 60_000);
});
