// The four registry modes of the harness: plain, htpasswd (Basic), token (JWT bearer tokens from a token server)
// and TLS (with a CA the test workers trust through NODE_EXTRA_CA_CERTS, set by the globalSetup).

import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { startRegistry } from "@toci/testkit/registry";
import { describe, expect, it } from "vitest";
import { collect, newClient, registries, succeeded, uniqueRepo } from "./helpers.js";

describe("registry auth modes", () => {
  it("htpasswd: Basic after the challenge; a wrong password is UNAUTHORIZED", async () => {
    const { htpasswd } = registries();
    const fixture = ociImage({ seed: "basic" });
    const repo = uniqueRepo("basic");
    await pushFixture(fixture, { url: htpasswd.url, repo, tag: "v1", credentials: htpasswd.credentials });
    const { client, store, logger } = newClient();
    const ok = client.registry(htpasswd.url, { auth: { type: "basic", ...htpasswd.credentials! } });
    expect(await ok.ping()).toBe(true);
    expect(succeeded(await collect(ok.repo(repo).pull("v1")))).toBe(true);
    expect((await store.resolve("v1"))?.digest).toBe(fixture.root.digest);
    const anonymous = client.registry(htpasswd.url);
    expect(await anonymous.ping()).toBe(false);
    expect(logger.errors.at(-1)?.code).toBe("UNAUTHORIZED");
    const wrong = client.registry(htpasswd.url, { auth: { type: "basic", username: "testuser", password: "nope" } });
    const events = await collect(wrong.repo(repo).pull("v1"));
    expect(events.at(-1)).toMatchObject({ type: "failed", error: { code: "UNAUTHORIZED", status: 401 } });
  });

  it("token: anonymous pull gets an anonymous token; one token request serves a whole pull", async () => {
    const { token } = registries();
    const fixture = ociImage({ seed: "anon", layerSizes: [1000, 2000, 3000, 4000] });
    const repo = uniqueRepo("anon");
    await pushFixture(fixture, { url: token.url, repo, tag: "v1", credentials: token.credentials });
    const before = await tokenRequests(token.token!.url);
    const { client } = newClient();
    expect(succeeded(await collect(client.registry(token.url).repo(repo).pull("v1")))).toBe(true);
    const after = await tokenRequests(token.token!.url);
    expect(after - before).toBe(1);
  });

  it("token: a user's credentials get push scope; the catalog needs registry:catalog:*", async () => {
    const { token } = registries();
    const repo = uniqueRepo("tokenuser");
    await pushFixture(ociImage({ seed: "tu" }), { url: token.url, repo, tag: "v1", credentials: token.credentials });
    const { client } = newClient();
    const registry = client.registry(token.url, { auth: { type: "basic", ...token.credentials! } });
    expect(await registry.ping()).toBe(true);
    const names: string[] = [];
    for await (const page of registry.catalog()) names.push(...page.map((r) => r.name));
    expect(names).toContain(repo);
  });

  it("token: recovers when tokens expire, within the same client (koci could not)", async () => {
    const registry = await startRegistry({ auth: "token", token: { expiresIn: 2 } });
    try {
      const repo = uniqueRepo("expire");
      const fixture = ociImage({ seed: "expire" });
      await pushFixture(fixture, { url: registry.url, repo, tag: "v1", credentials: registry.credentials });
      const { client } = newClient();
      const r = client.registry(registry.url, { auth: { type: "basic", ...registry.credentials! } }).repo(repo);
      expect(await r.resolve("v1")).toBeDefined();
      const first = registry.tokenServer!.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await r.resolve("v1")).toBeDefined();
      expect(registry.tokenServer!.requests.length).toBeGreaterThan(first);
    } finally {
      await registry.stop();
    }
  });

  it("token: a refresh token (docker's identitytoken) is exchanged with an OAuth2 POST", async () => {
    const { token } = registries();
    const repo = uniqueRepo("refresh");
    await pushFixture(ociImage({ seed: "rt" }), { url: token.url, repo, tag: "v1", credentials: token.credentials });
    const form = new URLSearchParams({
      grant_type: "password",
      username: token.credentials!.username,
      password: token.credentials!.password,
      service: token.token!.service,
      client_id: "toci-test",
      access_type: "offline",
    });
    const res = await fetch(token.token!.realm, { method: "POST", body: form });
    const refresh = ((await res.json()) as { refresh_token?: string }).refresh_token;
    expect(refresh).toBeTruthy();
    const { client } = newClient();
    const r = client.registry(token.url, { auth: { type: "refresh-token", refreshToken: refresh! } }).repo(repo);
    expect(await r.resolve("v1")).toBeDefined();
  });

  it("TLS: pulls over https with the registry's CA", async () => {
    const { tls } = registries();
    expect(tls.url.startsWith("https://")).toBe(true);
    const repo = uniqueRepo("tls");
    const fixture = ociImage({ seed: "tls" });
    await pushFixture(fixture, { url: tls.url, repo, tag: "v1", credentials: tls.credentials, caFile: tls.caFile });
    const { client, store } = newClient();
    const r = client.registry(tls.url, { auth: { type: "basic", ...tls.credentials! } }).repo(repo);
    expect(succeeded(await collect(r.pull("v1")))).toBe(true);
    expect((await store.resolve("v1"))?.digest).toBe(fixture.root.digest);
  });
});

async function tokenRequests(base: string): Promise<number> {
  const res = await fetch(`${base}/_stats`);
  return ((await res.json()) as { requests: unknown[] }).requests.length;
}
