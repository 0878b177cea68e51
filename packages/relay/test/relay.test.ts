// relay() against a recording upstream fetch: who may use it, what it forwards where, what it rewrites, and what
// it refuses. The same rules against a real registry are in relay-registry.test.ts, and in Chromium in
// test-browser/.
import { isOciError } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import { type RelayEvent, type RelayOptions, relay } from "../src/index.js";
import { b64url, fakeFetch, PAGE, RELAY, request } from "./fake-fetch.js";

const HUB = "https://registry.example";

function setup(answer: Parameters<typeof fakeFetch>[0], options: Partial<RelayOptions> = {}) {
  const upstream = fakeFetch(answer);
  const events: RelayEvent[] = [];
  const handler = relay({
    upstreams: [{ url: HUB, name: "hub" }],
    allowOrigins: [PAGE],
    fetch: upstream.fetch,
    log: (e) => events.push(e),
    ...options,
  });
  return { handler, sent: upstream.sent, events };
}

const ok = () => new Response("{}", { status: 200, headers: { "content-type": "application/json" } });

describe("relay options", () => {
  it.each<[string, Partial<RelayOptions>]>([
    ["no upstream", { upstreams: [] }],
    ["an upstream that is not a URL", { upstreams: ["not a url"] }],
    ["an ftp upstream", { upstreams: ["ftp://registry.example"] }],
    ["credentials in an upstream URL", { upstreams: ["https://u:p@registry.example"] }],
    ["two upstreams of one name", { upstreams: [HUB, `${HUB}/other`] }],
    ["a name that is no path segment", { upstreams: ["http://[::1]:5000"] }],
    ["an origin with a path", { upstreams: [HUB], allowOrigins: ["https://app.example/page"] }],
    ["a negative maxRedirects", { upstreams: [HUB], maxRedirects: -1 }],
  ])("refuses %s with INVALID_ARGUMENT", (_, options) => {
    let error: unknown;
    try {
      relay({ upstreams: [HUB], allowOrigins: [PAGE], ...options });
    } catch (e) {
      error = e;
    }
    expect(isOciError(error) && error.code).toBe("INVALID_ARGUMENT");
  });
});

describe("who may use the relay", () => {
  it("refuses another origin with 403 and no CORS headers, sending nothing upstream", async () => {
    const { handler, sent, events } = setup(ok);
    const response = await handler(request(`${RELAY}/hub/v2/`, { origin: "https://evil.example" }));
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(sent).toEqual([]);
    expect(events.map((e) => [e.type, e.status])).toEqual([["refused", 403]]);
  });

  it("refuses a preflight from another origin", async () => {
    const { handler } = setup(ok);
    const response = await handler(
      request(`${RELAY}/hub/v2/`, {
        method: "OPTIONS",
        origin: "https://evil.example",
        headers: { "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
      }),
    );
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses requests without Origin unless allowNoOrigin", async () => {
    const refused = setup(ok);
    expect((await refused.handler(request("http://127.0.0.1:5080/hub/v2/", { origin: null }))).status).toBe(403);
    expect(refused.sent).toEqual([]);
    const allowed = setup(ok, { allowNoOrigin: true });
    expect((await allowed.handler(request("http://127.0.0.1:5080/hub/v2/", { origin: null }))).status).toBe(200);
  });

  it("serves requests without Origin only for loopback hosts, publicUrl's and those listed (DNS rebinding)", async () => {
    const { handler, sent } = setup(ok, { allowNoOrigin: true });
    // A page on a name that its owner pointed at the relay's address sends its same-origin GETs without Origin.
    for (const url of [
      `${RELAY}/hub/v2/`,
      "http://rebind.attacker.example:5080/hub/v2/",
      "http://10.0.0.5:5080/hub/v2/",
    ]) {
      const response = await handler(request(url, { origin: null }));
      expect(response.status, url).toBe(421);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
    }
    expect(sent).toEqual([]);
    for (const url of ["http://127.0.0.1:5080/hub/v2/", "http://localhost:5080/hub/v2/", "http://[::1]:5080/hub/v2/"]) {
      expect((await handler(request(url, { origin: null }))).status, url).toBe(200);
    }
    // With an allowed Origin, any host: the Origin is what the browser vouches for.
    expect((await handler(request(`${RELAY}/hub/v2/`))).status).toBe(200);
    const published = setup(ok, { allowNoOrigin: true, publicUrl: "https://relay.example/" });
    expect((await published.handler(request(`${RELAY}/hub/v2/`, { origin: null }))).status).toBe(200);
    expect((await published.handler(request("https://other.example/hub/v2/", { origin: null }))).status).toBe(421);
  });

  it("answers only for the listed hosts when hosts is given, with Origin or without", async () => {
    const { handler, sent } = setup(ok, { allowNoOrigin: true, hosts: ["relay.example", "LAN-box:5080"] });
    expect((await handler(request(`${RELAY}/hub/v2/`, { origin: null }))).status).toBe(200);
    expect((await handler(request("http://lan-box:5080/hub/v2/"))).status).toBe(200);
    expect((await handler(request("https://relay.example:443/hub/v2/"))).status).toBe(200);
    const before = sent.length;
    for (const url of [
      "http://lan-box:5081/hub/v2/",
      "http://127.0.0.1:5080/hub/v2/",
      "https://evil.example/hub/v2/",
    ]) {
      expect((await handler(request(url))).status, url).toBe(421);
    }
    expect(sent.length).toBe(before);
    expect(() => relay({ upstreams: [HUB], allowOrigins: [PAGE], hosts: ['a"b'] })).toThrow(/host or host:port/);
    // Entries as request URLs spell them; publicUrl's host is listed with them.
    const spelled = setup(ok, {
      hosts: ["[0:0:0:0:0:0:0:1]:5080", "relay.example.:8443"],
      publicUrl: "https://public.example/",
    });
    for (const url of [
      "http://[::1]:5080/hub/v2/",
      "https://relay.example:8443/hub/v2/",
      "https://public.example/hub/v2/",
    ]) {
      expect((await spelled.handler(request(url))).status, url).toBe(200);
    }
  });

  it("takes a predicate for origins", async () => {
    const { handler } = setup(ok, { allowOrigins: (o) => o.endsWith(".app.example") });
    expect((await handler(request(`${RELAY}/hub/v2/`, { origin: "https://a.app.example" }))).status).toBe(200);
    expect((await handler(request(`${RELAY}/hub/v2/`, { origin: PAGE }))).status).toBe(403);
  });

  it("answers an allowed preflight itself: methods, the API's headers only, max-age, private network", async () => {
    const { handler, sent } = setup(ok);
    const response = await handler(
      request(`${RELAY}/hub/v2/app/blobs/uploads/`, {
        method: "OPTIONS",
        headers: {
          "access-control-request-method": "PATCH",
          "access-control-request-headers": "authorization,content-type,content-range,x-evil,cookie,oci-foo",
          "access-control-request-private-network": "true",
        },
      }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(PAGE);
    expect(response.headers.get("access-control-allow-methods")).toContain("PATCH");
    expect(response.headers.get("access-control-allow-headers")).toBe(
      "authorization, content-type, content-range, oci-foo",
    );
    expect(response.headers.get("access-control-max-age")).toBe("600");
    expect(response.headers.get("access-control-allow-private-network")).toBe("true");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(sent).toEqual([]);
  });

  it("answers an unlisted upstream or a path outside the API with a readable 404, sending nothing", async () => {
    const { handler, sent } = setup(ok);
    for (const path of [
      "/ghcr.io/v2/",
      "/hub/admin",
      "/hub/",
      "/",
      "/hub/v2x/",
      "/hub/_token/!!",
      // Encoded slashes and backslashes: an upstream that decodes them would route outside /v2/ (`/v2/..%2F` is
      // distribution's 301 to `/`).
      "/hub/v2/..%2F",
      "/hub/v2/x/..%2f..%2fmetrics",
      "/hub/v2/..%5Cadmin",
      "/hub/v2/app%00/tags/list",
    ]) {
      const response = await handler(request(`${RELAY}${path}`));
      expect(response.status, path).toBe(404);
      expect(response.headers.get("access-control-allow-origin")).toBe(PAGE);
      expect(((await response.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe("NAME_UNKNOWN");
    }
    expect(sent).toEqual([]);
  });
});

describe("forwarding", () => {
  it("sends the API request to the upstream: path, query, the API's headers, no cookies", async () => {
    const { handler, sent } = setup(ok);
    await handler(
      request(`${RELAY}/hub/v2/org/app/tags/list?n=2&last=a`, {
        headers: {
          authorization: "Bearer t",
          accept: "application/json",
          cookie: "session=1",
          "x-forwarded-for": "1.2.3.4",
          range: "bytes=0-9",
        },
      }),
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe(`${HUB}/v2/org/app/tags/list?n=2&last=a`);
    expect(sent[0]!.headers).toEqual({
      authorization: "Bearer t",
      accept: "application/json",
      range: "bytes=0-9",
      "accept-encoding": "identity",
    });
  });

  it("keeps the upstream's path prefix", async () => {
    const { handler, sent } = setup(ok, { upstreams: [{ url: `${HUB}/mirror`, name: "m" }] });
    await handler(request(`${RELAY}/m/v2/`));
    expect(sent[0]!.url).toBe(`${HUB}/mirror/v2/`);
  });

  it("relays status, body and headers, without cookies, the upstream's CORS or HSTS, exposing what a client reads", async () => {
    const { handler } = setup(
      () =>
        new Response("manifest", {
          status: 200,
          headers: {
            "docker-content-digest": "sha256:abc",
            "oci-new-thing": "1",
            "set-cookie": "a=b",
            "access-control-allow-origin": "*",
            "strict-transport-security": "max-age=1",
            etag: '"x"',
          },
        }),
    );
    const response = await handler(request(`${RELAY}/hub/v2/app/manifests/v1`));
    expect(await response.text()).toBe("manifest");
    expect(response.headers.get("docker-content-digest")).toBe("sha256:abc");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("strict-transport-security")).toBeNull();
    expect(response.headers.get("access-control-allow-origin")).toBe(PAGE);
    expect(response.headers.get("vary")).toContain("Origin");
    const exposed = response.headers.get("access-control-expose-headers")!.toLowerCase().split(", ");
    for (const h of [
      "docker-content-digest",
      "link",
      "location",
      "content-range",
      "range",
      "www-authenticate",
      "etag",
    ]) {
      expect(exposed).toContain(h);
    }
    expect(exposed).toContain("oci-new-thing");
  });

  it("drops Content-Encoding and Content-Length of a body fetch has decoded", async () => {
    const { handler } = setup(
      () => new Response("{}", { headers: { "content-encoding": "gzip", "content-length": "20" } }),
    );
    const response = await handler(request(`${RELAY}/hub/v2/`));
    expect(response.headers.get("content-encoding")).toBeNull();
    expect(response.headers.get("content-length")).toBeNull();
  });

  it("streams an upload body upstream with its length", async () => {
    const { handler, sent } = setup(() => new Response(null, { status: 201 }));
    const response = await handler(
      request(`${RELAY}/hub/v2/app/blobs/uploads/x?digest=sha256:1`, {
        method: "PUT",
        body: new Blob(["0123456789"]).stream(),
        headers: { "content-length": "10", "content-type": "application/octet-stream" },
      }),
    );
    expect(response.status).toBe(201);
    expect(sent[0]!.method).toBe("PUT");
    expect(sent[0]!.body).toBe("0123456789");
    expect(sent[0]!.headers["content-length"]).toBe("10");
  });

  it("sends no Content-Length with a request that has no body (a GET saying it has one smuggles the next request)", async () => {
    const { handler, sent } = setup(ok);
    for (const method of ["GET", "HEAD"]) {
      await handler(request(`${RELAY}/hub/v2/app/manifests/v1`, { method, headers: { "content-length": "140" } }));
    }
    await handler(
      request(`${RELAY}/hub/v2/app/blobs/uploads/`, { method: "POST", headers: { "content-length": "5" } }),
    );
    expect(sent.map((s) => [s.method, s.headers["content-length"]])).toEqual([
      ["GET", undefined],
      ["HEAD", undefined],
      ["POST", undefined],
    ]);
  });

  it("answers 502 UNAVAILABLE when the upstream cannot be reached, and logs it", async () => {
    const { handler, events } = setup(() => {
      throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") });
    });
    const response = await handler(request(`${RELAY}/hub/v2/`));
    expect(response.status).toBe(502);
    expect(response.headers.get("access-control-allow-origin")).toBe(PAGE);
    const body = (await response.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]!.code).toBe("UNAVAILABLE");
    // The reason is the log's; the page learns the upstream failed, not how (which addresses answer).
    expect(body.errors[0]!.message).not.toContain("ECONNREFUSED");
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ["failed", "upstream hub failed: fetch failed: connect ECONNREFUSED"],
    ]);
  });
});

describe("URLs pointed at the relay", () => {
  it("rewrites Location under the upstream's API root, absolute or relative; leaves others", async () => {
    const locations = [
      `${HUB}/v2/app/blobs/uploads/u1?_state=s`,
      "/v2/app/blobs/uploads/u2",
      "https://storage.example/upload/u3",
      `${HUB}/elsewhere`,
    ];
    const { handler } = setup(() => new Response(null, { status: 202, headers: { location: locations.shift()! } }));
    const got = [];
    for (let i = 0; i < 4; i++) {
      const response = await handler(request(`${RELAY}/hub/v2/app/blobs/uploads/`, { method: "POST" }));
      got.push(response.headers.get("location"));
    }
    expect(got).toEqual([
      `${RELAY}/hub/v2/app/blobs/uploads/u1?_state=s`,
      `${RELAY}/hub/v2/app/blobs/uploads/u2`,
      "https://storage.example/upload/u3",
      `${HUB}/elsewhere`,
    ]);
  });

  it("rewrites Link (relative, as distribution sends it) and uses publicUrl when given", async () => {
    const link = '</v2/_catalog?last=a%2Fb&n=2>; rel="next"';
    const { handler } = setup(() => new Response("{}", { headers: { link } }), {
      publicUrl: "https://edge.example/registries",
    });
    const response = await handler(request("https://edge.example/registries/hub/v2/_catalog?n=2"));
    expect(response.headers.get("link")).toBe(
      '<https://edge.example/registries/hub/v2/_catalog?last=a%2Fb&n=2>; rel="next"',
    );
    expect((await handler(request("https://edge.example/hub/v2/_catalog"))).status).toBe(404);
  });

  it("points Bearer realms at the relay and keeps the rest of the challenge; Basic is left alone", async () => {
    const challenge =
      'Basic realm="registry", Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app:pull"';
    const { handler } = setup(() => new Response("{}", { status: 401, headers: { "www-authenticate": challenge } }));
    const response = await handler(request(`${RELAY}/hub/v2/app/manifests/v1`));
    const realm = b64url("https://auth.example/token");
    expect(response.headers.get("www-authenticate")).toBe(
      `Basic realm="registry", Bearer realm="${RELAY}/hub/_token/${realm}",service="registry.example",scope="repository:app:pull"`,
    );
  });

  it("quotes the rewritten realm: a host with a quote in it (which URLs allow) adds no parameter", async () => {
    const challenge = 'Bearer realm="https://auth.example/token",service="registry.example"';
    const { handler } = setup(() => new Response("{}", { status: 401, headers: { "www-authenticate": challenge } }));
    const response = await handler(request('http://a"b,realm="evil/hub/v2/app/manifests/v1'));
    const header = response.headers.get("www-authenticate")!;
    expect(header).toBe(
      `Bearer realm="http://a\\"b,realm=\\"evil/hub/_token/${b64url("https://auth.example/token")}",service="registry.example"`,
    );
  });
});
