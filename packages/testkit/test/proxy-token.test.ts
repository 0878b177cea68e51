import { MANIFEST_ACCEPT, OCI_INDEX } from "@toci/spec-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifact, type ImageFixture, ociImage, pushFixture } from "../src/fixtures/index.js";
import { parseChallenge } from "../src/internal/http.js";
import { type FaultProxy, paginate, redirectBlob, startFaultProxy } from "../src/proxy/index.js";
import { type RunningRegistry, startRegistry } from "../src/registry/index.js";

const basic = `Basic ${Buffer.from("testuser:testpassword").toString("base64")}`;

describe("fault proxy in front of a token-auth TLS registry", () => {
  let registry: RunningRegistry;
  let proxy: FaultProxy;
  let image: ImageFixture;

  beforeAll(async () => {
    registry = await startRegistry({ auth: "token", tls: true });
    proxy = await startFaultProxy({ target: registry.url, caFile: registry.caFile, referrers: true });
    image = ociImage({ seed: "proxy-token", layerSizes: [4096] });
  });
  afterAll(async () => {
    await proxy.stop();
    await registry.stop();
  });

  async function token(scope: string): Promise<string> {
    const url = `${registry.token!.realm}?service=test-registry&scope=${encodeURIComponent(scope)}`;
    return ((await (await fetch(url, { headers: { authorization: basic } })).json()) as { token: string }).token;
  }

  it("relays challenges, and pushes through it over plain HTTP to the TLS registry", async () => {
    const ping = await fetch(`${proxy.url}/v2/`);
    expect(ping.status).toBe(401);
    expect(parseChallenge(ping.headers.get("www-authenticate") ?? "").params.realm).toBe(registry.token!.realm);
    await pushFixture(image, { url: proxy.url, repo: "pt/img", tag: "v1", credentials: registry.credentials });
    const post = proxy.requests.find((r) => r.method === "POST" && r.status === 202);
    expect(post).toBeDefined();
    const put = proxy.requests.filter((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/"));
    expect(put.length).toBeGreaterThan(0); // Locations pointed back at the proxy (X-Forwarded-Proto: http)
    expect(put.every((r) => r.status === 201 && r.authorization)).toBe(true);
  });

  it("the referrers API and pagination answer 401 with the registry's challenge, then serve with a token", async () => {
    const sig = artifact({ subject: image.root });
    await pushFixture(sig, { url: proxy.url, repo: "pt/img", credentials: registry.credentials });
    proxy.on({ path: /\/tags\/list/ }, paginate({ pageSize: 1 }));
    for (const path of [`/v2/pt/img/referrers/${image.root.digest}`, "/v2/pt/img/tags/list"]) {
      const anonymous = await fetch(`${proxy.url}${path}`);
      expect(anonymous.status).toBe(401);
      expect(parseChallenge(anonymous.headers.get("www-authenticate") ?? "").params.scope).toBe(
        "repository:pt/img:pull",
      );
    }
    const jwt = await token("repository:pt/img:pull");
    const referrers = await fetch(`${proxy.url}/v2/pt/img/referrers/${image.root.digest}`, {
      headers: { authorization: `Bearer ${jwt}` },
    });
    expect(referrers.status).toBe(200);
    const index = (await referrers.json()) as { mediaType: string; manifests: { digest: string }[] };
    expect(index.mediaType).toBe(OCI_INDEX);
    expect(index.manifests.map((m) => m.digest)).toEqual([sig.root.digest]);
    const tags = await fetch(`${proxy.url}/v2/pt/img/tags/list`, { headers: { authorization: `Bearer ${jwt}` } });
    expect(await tags.json()).toEqual({ name: "pt/img", tags: ["v1"] });
  });

  it("answers CORS preflights itself and adds CORS headers (cors: true), also on the blob origin", async () => {
    const cors = await startFaultProxy({ target: registry.url, caFile: registry.caFile, cors: true });
    try {
      const origin = "http://localhost:5173";
      const preflight = await fetch(`${cors.url}/v2/pt/img/manifests/v1`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization,accept",
        },
      });
      expect(preflight.status).toBe(204); // 2.8.2 itself answers 401 here
      expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
      expect(preflight.headers.get("access-control-allow-headers")).toBe("authorization,accept");
      const challenge = await fetch(`${cors.url}/v2/`, { headers: { origin } });
      expect(challenge.status).toBe(401);
      expect(challenge.headers.get("access-control-allow-origin")).toBe(origin);
      expect(challenge.headers.get("access-control-expose-headers")).toContain("WWW-Authenticate");
      cors.on({ method: "GET", path: /\/blobs\// }, redirectBlob());
      const jwt = await token("repository:pt/img:pull");
      const path = `/v2/pt/img/blobs/${image.layers[0]!.digest}`;
      const redirect = await fetch(`${cors.url}${path}`, {
        headers: { origin, authorization: `Bearer ${jwt}` },
        redirect: "manual",
      });
      expect(redirect.status).toBe(307);
      expect(redirect.headers.get("access-control-allow-origin")).toBe(origin);
      // After a cross-origin redirect a browser sends `Origin: null`.
      const blob = await fetch(redirect.headers.get("location")!, { headers: { origin: "null" } });
      expect(blob.status).toBe(200);
      expect(blob.headers.get("access-control-allow-origin")).toBe("null");
      await blob.arrayBuffer();
    } finally {
      await cors.stop();
    }
  });

  it("redirects only authorised blob GETs; the token never has to reach the other origin", async () => {
    proxy.on({ method: "GET", path: /\/blobs\// }, redirectBlob());
    const path = `/v2/pt/img/blobs/${image.layers[0]!.digest}`;
    expect((await fetch(`${proxy.url}${path}`, { redirect: "manual" })).status).toBe(401);
    const jwt = await token("repository:pt/img:pull");
    const res = await fetch(`${proxy.url}${path}`, { headers: { authorization: `Bearer ${jwt}` }, redirect: "manual" });
    expect(res.status).toBe(307);
    const blob = await fetch(res.headers.get("location")!);
    expect(blob.status).toBe(200);
    expect((await blob.arrayBuffer()).byteLength).toBe(image.layers[0]!.size);
    expect(proxy.blobOrigin!.requests.map((r) => r.authorization)).toEqual([false]);
    const manifest = await fetch(`${proxy.url}/v2/pt/img/manifests/v1`, {
      headers: { authorization: `Bearer ${jwt}`, accept: MANIFEST_ACCEPT },
    });
    expect(manifest.status).toBe(200);
  });
});
