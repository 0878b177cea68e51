import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseChallenge } from "../src/internal/http.js";
import { libtrustKeyId, type RunningRegistry, startRegistry, testCertificates } from "../src/registry/index.js";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = token
    .split(".")
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
  return { header, claims };
}

describe("startRegistry: token auth", () => {
  let registry: RunningRegistry;
  let auth: string;
  beforeAll(async () => {
    registry = await startRegistry({ auth: "token" });
    auth = basic(registry.credentials!.username, registry.credentials!.password);
  });
  afterAll(() => registry.stop());

  async function token(scopes: string[], authorization?: string): Promise<string> {
    const url = new URL(registry.token!.realm);
    url.searchParams.set("service", registry.token!.service);
    for (const scope of scopes) url.searchParams.append("scope", scope);
    const res = await fetch(url, { headers: authorization ? { authorization } : {} });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  }

  it("runs the flow end to end: 401 challenge → token → 200", async () => {
    const challenged = await fetch(`${registry.url}/v2/tok/multi/tags/list`);
    expect(challenged.status).toBe(401);
    const { scheme, params } = parseChallenge(challenged.headers.get("www-authenticate") ?? "");
    expect(scheme).toBe("bearer");
    expect(params).toMatchObject({
      realm: registry.token!.realm,
      service: "test-registry",
      scope: "repository:tok/multi:pull",
    });
    const jwt = await token([params.scope!]);
    const res = await fetch(`${registry.url}/v2/tok/multi/tags/list`, { headers: { authorization: `Bearer ${jwt}` } });
    expect(res.status).toBe(404); // authorised; the repository is simply empty
    expect(await res.text()).toContain("NAME_UNKNOWN");
    const ping = await fetch(`${registry.url}/v2/`, { headers: { authorization: `Bearer ${jwt}` } });
    expect(ping.status).toBe(200);
  });

  it("signs a JWT the way 2.8.2 requires (docs/architecture.md §8)", async () => {
    const { header, claims } = decode(await token(["repository:a/b:pull"]));
    const cert = new X509Certificate(fs.readFileSync(testCertificates().tokenCert));
    expect(header).toMatchObject({ alg: "RS256", kid: libtrustKeyId(cert.publicKey) });
    expect(header.kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(claims.iss).toBe("test-token-issuer");
    expect(claims.aud).toBe("test-registry");
    for (const key of ["exp", "iat", "nbf"]) expect(Number.isInteger(claims[key])).toBe(true);
    expect(claims.access).toEqual([{ type: "repository", name: "a/b", actions: ["pull"] }]);
  });

  it("grants anonymous callers pull only; push needs the test user", async () => {
    const anonymous = await token(["repository:tok/push:pull,push"]);
    expect(decode(anonymous).claims.access).toEqual([{ type: "repository", name: "tok/push", actions: ["pull"] }]);
    const refused = await fetch(`${registry.url}/v2/tok/push/blobs/uploads/`, {
      method: "POST",
      headers: { authorization: `Bearer ${anonymous}` },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    const user = await token(["repository:tok/push:pull,push,delete"], auth);
    expect(decode(user).claims).toMatchObject({ sub: "testuser" });
    const accepted = await fetch(`${registry.url}/v2/tok/push/blobs/uploads/`, {
      method: "POST",
      headers: { authorization: `Bearer ${user}` },
    });
    expect(accepted.status).toBe(202);
  });

  it("grants registry:catalog:* to the test user only", async () => {
    const scope = "registry:catalog:*";
    const anonymous = await token([scope]);
    expect(
      (await fetch(`${registry.url}/v2/_catalog`, { headers: { authorization: `Bearer ${anonymous}` } })).status,
    ).toBe(401);
    const user = await token([scope], auth);
    expect((await fetch(`${registry.url}/v2/_catalog`, { headers: { authorization: `Bearer ${user}` } })).status).toBe(
      200,
    );
  });

  it("refuses bad credentials with 401 and records every token request", async () => {
    registry.tokenServer!.reset();
    const url = `${registry.token!.realm}?service=test-registry&scope=repository:a/b:pull`;
    const bad = await fetch(url, { headers: { authorization: basic("testuser", "nope") } });
    expect(bad.status).toBe(401);
    await token(["repository:a/b:pull", "repository:c/d:pull,push"], auth);
    const stats = (await (await fetch(`${registry.token!.url}/_stats`)).json()) as { requests: unknown[] };
    expect(stats.requests).toHaveLength(2);
    expect(registry.tokenServer!.requests[1]).toMatchObject({
      grant: "basic",
      user: "testuser",
      scopes: ["repository:a/b:pull", "repository:c/d:pull,push"],
      status: 200,
    });
  });

  it("serves OAuth2 POST /token: password grant with offline_token, then refresh_token", async () => {
    const form = (fields: Record<string, string>) =>
      fetch(registry.token!.realm, { method: "POST", body: new URLSearchParams(fields) });
    const first = await form({
      grant_type: "password",
      username: "testuser",
      password: "testpassword",
      service: "test-registry",
      scope: "repository:o/a:pull,push",
      offline_token: "true",
    });
    expect(first.status).toBe(200);
    const { refresh_token, access_token } = (await first.json()) as { refresh_token: string; access_token: string };
    expect(refresh_token).toBeTruthy();
    expect(decode(access_token).claims.access).toEqual([
      { type: "repository", name: "o/a", actions: ["pull", "push"] },
    ]);
    const second = await form({
      grant_type: "refresh_token",
      refresh_token,
      service: "test-registry",
      scope: "repository:o/a:pull",
    });
    expect(second.status).toBe(200);
    expect(decode(((await second.json()) as { access_token: string }).access_token).claims.sub).toBe("testuser");
    expect((await form({ grant_type: "refresh_token", refresh_token: "bogus" })).status).toBe(401);
    expect((await form({ grant_type: "password", username: "testuser", password: "x" })).status).toBe(401);
  });

  it("signs with x5c when told to, and the registry accepts it", async () => {
    registry.tokenServer!.setKeyMode("x5c");
    try {
      const jwt = await token(["repository:a/b:pull"]);
      expect(decode(jwt).header.x5c).toHaveLength(1);
      expect(decode(jwt).header.kid).toBeUndefined();
      expect((await fetch(`${registry.url}/v2/`, { headers: { authorization: `Bearer ${jwt}` } })).status).toBe(200);
    } finally {
      registry.tokenServer!.setKeyMode("kid");
    }
  });

  it("expires tokens quickly when told to (the registry's 60 s leeway included)", async () => {
    // 4 s, not 1: the first use must land inside the token's life even on a loaded machine (at 1 s it failed under
    // CI load); the wait covers that life plus the second the server's clock floors away.
    registry.tokenServer!.setExpiresIn(4);
    try {
      const res = await fetch(`${registry.token!.realm}?service=test-registry`);
      const body = (await res.json()) as { token: string; expires_in: number };
      expect(body.expires_in).toBe(4);
      const use = () => fetch(`${registry.url}/v2/`, { headers: { authorization: `Bearer ${body.token}` } });
      expect((await use()).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 5100));
      const expired = await use();
      expect(expired.status).toBe(401);
      expect(expired.headers.get("www-authenticate")).toContain('error="invalid_token"');
    } finally {
      registry.tokenServer!.setExpiresIn(300);
    }
  });

  it("serves an OCI index pulled anonymously after an authenticated push (curl-like)", async () => {
    const push = await token(["repository:tok/idx:pull,push"], auth);
    const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
    const put = await fetch(`${registry.url}/v2/tok/idx/manifests/v1`, {
      method: "PUT",
      headers: { authorization: `Bearer ${push}`, "content-type": OCI_INDEX },
      body: index,
    });
    expect(put.status).toBe(201);
    const pull = await token(["repository:tok/idx:pull"]);
    const get = await fetch(`${registry.url}/v2/tok/idx/manifests/v1`, {
      headers: { authorization: `Bearer ${pull}`, accept: OCI_INDEX },
    });
    expect(get.status).toBe(200);
    expect(await get.text()).toBe(index);
  });
});
