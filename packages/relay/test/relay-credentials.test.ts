// Where credentials and requests may go through the relay: token realms (announced, exactly, or listed), redirects
// (followed without Authorization once they leave the upstream's API, never to private or plain-HTTP origins
// that are not listed), and nothing to another upstream.
import { describe, expect, it } from "vitest";
import { relay } from "../src/index.js";
import { b64url, fakeFetch, RELAY, request, type Sent } from "./fake-fetch.js";

const HUB = "https://registry.example";
const AUTH = "https://auth.example/token";

/** An upstream that challenges for a token at `realm`, and answers everything else with `other`. */
function challenging(realm: string, other: (s: Sent) => Response = () => new Response('{"token":"t"}')) {
  return (s: Sent) =>
    s.url.startsWith(`${HUB}/v2/`) && s.headers.authorization === undefined
      ? new Response("{}", {
          status: 401,
          headers: { "www-authenticate": `Bearer realm="${realm}",service="registry.example"` },
        })
      : other(s);
}

function setup(answer: (s: Sent) => Response | Promise<Response>, origins: string[] = []) {
  const upstream = fakeFetch(answer);
  const handler = relay({
    upstreams: [{ url: HUB, name: "hub", origins }, "https://other.example"],
    allowOrigins: ["https://app.example"],
    fetch: upstream.fetch,
  });
  return { handler, sent: upstream.sent };
}

const tokenPath = (realm: string) => `${RELAY}/hub/_token/${b64url(realm)}`;

describe("token realms", () => {
  it("forwards a token request to the realm the upstream announced, with the query and the Basic credentials", async () => {
    const { handler, sent } = setup(challenging(AUTH));
    await handler(request(`${RELAY}/hub/v2/`));
    const response = await handler(
      request(`${tokenPath(AUTH)}?service=registry.example&scope=repository%3Aapp%3Apull`, {
        headers: { authorization: "Basic dTpw", cookie: "c=1" },
      }),
    );
    expect(await response.json()).toEqual({ token: "t" });
    expect(sent[1]!.url).toBe(`${AUTH}?service=registry.example&scope=repository%3Aapp%3Apull`);
    expect(sent[1]!.headers.authorization).toBe("Basic dTpw");
    expect(sent[1]!.headers.cookie).toBeUndefined();
  });

  it("forwards the OAuth2 POST form", async () => {
    const { handler, sent } = setup(challenging(AUTH));
    await handler(request(`${RELAY}/hub/v2/`));
    const form = "grant_type=password&username=u&password=p&service=registry.example";
    await handler(
      request(tokenPath(AUTH), {
        method: "POST",
        body: form,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
    );
    expect(sent[1]).toMatchObject({ method: "POST", url: AUTH, body: form });
  });

  it("learns the realm from the upstream's /v2/ when it has not seen the challenge (another instance)", async () => {
    const { handler, sent } = setup(challenging(AUTH));
    const response = await handler(request(`${tokenPath(AUTH)}?service=registry.example`));
    expect(response.status).toBe(200);
    expect(sent.map((s) => s.url)).toEqual([`${HUB}/v2/`, `${AUTH}?service=registry.example`]);
    expect(sent[0]!.headers.authorization).toBeUndefined();
  });

  it("refuses a realm its upstream never announced: no open proxy through /_token/", async () => {
    const { handler, sent } = setup(challenging(AUTH));
    const response = await handler(
      request(tokenPath("https://victim.example/api"), { headers: { authorization: "Basic dTpw" } }),
    );
    expect(response.status).toBe(403);
    expect(sent.map((s) => s.url)).toEqual([`${HUB}/v2/`]);
  });

  it("refuses any other URL on the upstream's own origin or a listed one: a realm is the URL announced, exactly", async () => {
    const realm = "http://127.0.0.1:5005/token";
    const { handler, sent } = setup(challenging(realm), ["http://127.0.0.1:5005"]);
    await handler(request(`${RELAY}/hub/v2/`)); // the challenge, seen
    for (const url of [`${HUB}/admin/secret`, `${HUB}/v2/`, "http://127.0.0.1:5005/any/path", `${realm}/x`]) {
      const response = await handler(
        request(tokenPath(url), { method: "POST", body: "x=1", headers: { authorization: "Bearer client-token" } }),
      );
      expect(response.status, url).toBe(403);
    }
    expect(sent.filter((s) => s.headers.authorization !== undefined)).toEqual([]);
    expect(sent.map((s) => s.url)).toEqual([`${HUB}/v2/`, `${HUB}/v2/`]); // the challenge, then one probe
  });

  it("asks the upstream's /v2/ for its realms once a minute at most, however many requests it refuses", async () => {
    const { handler, sent } = setup(challenging(AUTH));
    for (let i = 0; i < 5; i++) await handler(request(tokenPath(`https://victim.example/${i}`)));
    expect(sent.map((s) => s.url)).toEqual([`${HUB}/v2/`]);
    // The realm it learnt from that probe is served at once.
    expect((await handler(request(tokenPath(AUTH)))).status).toBe(200);
  });

  it("has concurrent token requests on a fresh instance share one probe, and matches a realm by origin and path", async () => {
    const { handler, sent } = setup(async (s) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return challenging(AUTH)(s);
    });
    const statuses = await Promise.all(
      [1, 2, 3].map(async (i) => (await handler(request(`${tokenPath(AUTH)}?scope=repository:app${i}:pull`))).status),
    );
    expect(statuses).toEqual([200, 200, 200]);
    expect(sent.filter((s) => s.url === `${HUB}/v2/`)).toHaveLength(1);
    // The query is the client's to add anyway: the announced realm with one of its own is the same realm.
    expect((await handler(request(tokenPath(`${AUTH}?tenant=a`)))).status).toBe(200);
  });

  it("asks again at once when the probe got no answer (a transient failure does not lock realms out)", async () => {
    let down = true;
    const { handler, sent } = setup((s) => {
      if (down) throw new TypeError("fetch failed");
      return challenging(AUTH)(s);
    });
    expect((await handler(request(tokenPath(AUTH)))).status).toBe(502);
    down = false;
    expect((await handler(request(tokenPath(AUTH)))).status).toBe(200);
    expect(sent.map((s) => s.url)).toEqual([`${HUB}/v2/`, `${HUB}/v2/`, AUTH]);
  });

  it("forwards to a realm listed in the upstream's realms when its /v2/ names none", async () => {
    const upstream = fakeFetch((s) => (s.url === `${HUB}/v2/` ? new Response("{}") : new Response('{"token":"t"}')));
    const handler = relay({
      upstreams: [{ url: HUB, name: "hub", realms: [AUTH] }],
      allowOrigins: ["https://app.example"],
      fetch: upstream.fetch,
    });
    expect((await handler(request(tokenPath(AUTH)))).status).toBe(200);
    expect((await handler(request(tokenPath(`${AUTH}2`)))).status).toBe(403);
    expect(upstream.sent.map((s) => s.url)).toEqual([AUTH, `${HUB}/v2/`]);
    expect(() =>
      relay({ upstreams: [{ url: HUB, realms: ["file:///etc/passwd"] }], allowOrigins: ["https://app.example"] }),
    ).toThrow(/realm/);
  });

  it("refuses another upstream's realm", async () => {
    const { handler, sent } = setup(challenging(AUTH));
    const response = await handler(request(`${RELAY}/other.example/_token/${b64url(AUTH)}`));
    expect(response.status).toBe(403);
    expect(sent.filter((s) => s.url.startsWith(AUTH))).toEqual([]);
  });

  it.each([
    ["link-local", "http://169.254.169.254/latest/meta-data"],
    ["private", "https://10.0.0.7/token"],
    ["plain HTTP", "http://auth.example/token"],
  ])("refuses an announced %s realm that is not listed, before sending anything to it", async (_, realm) => {
    const { handler, sent } = setup(challenging(realm));
    await handler(request(`${RELAY}/hub/v2/`));
    const response = await handler(request(tokenPath(realm), { headers: { authorization: "Basic dTpw" } }));
    expect(response.status).toBe(403);
    expect(((await response.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/not listed/);
    expect(sent.filter((s) => !s.url.startsWith(HUB))).toEqual([]);
  });

  it("forwards to a private realm whose origin is listed with the upstream", async () => {
    const realm = "http://127.0.0.1:5005/token";
    const { handler, sent } = setup(challenging(realm), ["http://127.0.0.1:5005"]);
    const response = await handler(request(tokenPath(realm), { headers: { authorization: "Basic dTpw" } }));
    expect(response.status).toBe(200);
    expect(sent.at(-1)).toMatchObject({ url: realm, headers: { authorization: "Basic dTpw" } });
  });

  it("does not follow a token service's redirect", async () => {
    const { handler, sent } = setup(
      challenging(AUTH, () => new Response(null, { status: 302, headers: { location: "https://elsewhere.example/" } })),
    );
    const response = await handler(request(tokenPath(AUTH)));
    expect(response.status).toBe(502);
    expect(sent.some((s) => s.url.startsWith("https://elsewhere.example"))).toBe(false);
  });
});

describe("redirects", () => {
  const blob = `${RELAY}/hub/v2/app/blobs/sha256:abc`;
  /** The upstream redirects the blob to `location`; every other URL answers "bytes". */
  const redirecting =
    (location: string, status = 307) =>
    (s: Sent) =>
      s.url === `${HUB}/v2/app/blobs/sha256:abc`
        ? new Response("moved", { status, headers: { location } })
        : new Response("bytes", { headers: { "content-length": "5" } });

  it("follows a blob redirect to public storage itself, without Authorization", async () => {
    const { handler, sent } = setup(redirecting("https://storage.example/b?sig=1"));
    const response = await handler(request(blob, { headers: { authorization: "Bearer t", range: "bytes=0-" } }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("bytes");
    expect(response.headers.get("location")).toBeNull();
    expect(sent.map((s) => [s.url, s.headers.authorization])).toEqual([
      [`${HUB}/v2/app/blobs/sha256:abc`, "Bearer t"],
      ["https://storage.example/b?sig=1", undefined],
    ]);
    expect(sent[1]!.headers.range).toBe("bytes=0-");
  });

  it("keeps Authorization on a redirect within the API root, drops it outside the API on the same origin", async () => {
    const inside = setup(redirecting(`${HUB}/v2/app/blobs/other`));
    await inside.handler(request(blob, { headers: { authorization: "Bearer t" } }));
    expect(inside.sent[1]!.headers.authorization).toBe("Bearer t");
    const outside = setup(redirecting(`${HUB}/storage/b`));
    await outside.handler(request(blob, { headers: { authorization: "Bearer t" } }));
    expect(outside.sent[1]!.url).toBe(`${HUB}/storage/b`);
    expect(outside.sent[1]!.headers.authorization).toBeUndefined();
  });

  it.each([
    ["link-local", "http://169.254.169.254/latest/meta-data/"],
    ["loopback", "https://127.0.0.1:8080/admin"],
    ["IPv4-mapped private", "https://[::ffff:10.0.0.1]/"],
    ["a downgrade to plain HTTP", "http://storage.example/b"],
  ])("refuses a redirect to %s with 502, sending nothing there", async (_, location) => {
    const { handler, sent } = setup(redirecting(location));
    const response = await handler(request(blob, { headers: { authorization: "Bearer t" } }));
    expect(response.status).toBe(502);
    expect(sent).toHaveLength(1);
  });

  it("follows a redirect to a private origin listed with the upstream, without Authorization", async () => {
    const { handler, sent } = setup(redirecting("http://127.0.0.1:9000/b"), ["http://127.0.0.1:9000"]);
    const response = await handler(request(blob, { headers: { authorization: "Bearer t" } }));
    expect(await response.text()).toBe("bytes");
    expect(sent[1]).toMatchObject({ url: "http://127.0.0.1:9000/b", headers: { "accept-encoding": "identity" } });
    expect(sent[1]!.headers.authorization).toBeUndefined();
  });

  it("stops after maxRedirects", async () => {
    const upstream = fakeFetch((s) => new Response(null, { status: 302, headers: { location: `${s.url}x` } }));
    const handler = relay({
      upstreams: [HUB],
      allowOrigins: ["https://app.example"],
      fetch: upstream.fetch,
      maxRedirects: 2,
    });
    const response = await handler(request(`${RELAY}/registry.example/v2/a`));
    expect(response.status).toBe(502);
    expect(upstream.sent).toHaveLength(3);
  });

  it("passes a redirect of an upload (not a GET) back to the client, its Location pointed at the relay", async () => {
    const { handler, sent } = setup(
      () => new Response(null, { status: 307, headers: { location: `${HUB}/v2/app/blobs/uploads/u?x=1` } }),
    );
    const response = await handler(request(`${RELAY}/hub/v2/app/blobs/uploads/u`, { method: "PUT", body: "x" }));
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe(`${RELAY}/hub/v2/app/blobs/uploads/u?x=1`);
    expect(sent).toHaveLength(1);
  });
});
