// Credentials an upstream lends (its `credentials` option): added to requests that carry none, where the page's
// own would go (the upstream's API, its token realms) and nowhere else.
import { isOciError } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import { relay, type UpstreamCredentials, type UpstreamOptions } from "../src/index.js";
import { b64url, fakeFetch, RELAY, request, type Sent } from "./fake-fetch.js";

const HUB = "https://registry.example";
const AUTH = "https://auth.example/token";
const BASIC = `Basic ${btoa("lent:sécret".replace("é", "\u00c3\u00a9"))}`; // UTF-8 bytes of "é", base64

/** An upstream that challenges anonymous API requests for a token at AUTH, redirects one blob, answers the rest. */
function upstream(s: Sent): Response {
  if (s.url === `${HUB}/v2/app/blobs/sha256:abc`) {
    return new Response(null, { status: 307, headers: { location: "https://storage.example/b" } });
  }
  if (s.url.startsWith(`${HUB}/v2/`) && s.headers.authorization === undefined) {
    return new Response("{}", {
      status: 401,
      headers: { "www-authenticate": `Bearer realm="${AUTH}",service="registry.example"` },
    });
  }
  return new Response('{"token":"t"}');
}

function setup(credentials: UpstreamOptions["credentials"]) {
  const recorded = fakeFetch(upstream);
  const handler = relay({
    upstreams: [{ url: HUB, name: "hub", credentials }, "https://other.example"],
    allowOrigins: ["https://app.example"],
    fetch: recorded.fetch,
  });
  return { handler, sent: recorded.sent };
}

const basic: UpstreamCredentials = { type: "basic", username: "lent", password: "sécret" };
const tokenUrl = `${RELAY}/hub/_token/${b64url(AUTH)}?service=registry.example&scope=repository%3Aapp%3Apull&scope=repository%3Abase%3Apull`;

describe("lent credentials", () => {
  it("adds Basic to an API request without Authorization, and keeps a request's own", async () => {
    const { handler, sent } = setup(basic);
    await handler(request(`${RELAY}/hub/v2/app/tags/list`));
    await handler(request(`${RELAY}/hub/v2/app/tags/list`, { headers: { authorization: "Bearer mine" } }));
    expect(sent.map((s) => s.headers.authorization)).toEqual([BASIC, "Bearer mine"]);
  });

  it("adds Basic to an anonymous token request for a realm the upstream announced", async () => {
    const { handler, sent } = setup(basic);
    const response = await handler(request(tokenUrl));
    expect(await response.json()).toEqual({ token: "t" });
    // The first request is the relay's own anonymous probe of /v2/ (it had not seen the challenge yet).
    expect(sent.map((s) => [s.url.split("?")[0], s.headers.authorization])).toEqual([
      [`${HUB}/v2/`, undefined],
      [AUTH, BASIC],
    ]);
  });

  it("lends nothing to a redirect target, to another upstream, or to a realm the upstream never announced", async () => {
    const { handler, sent } = setup(basic);
    expect((await handler(request(`${RELAY}/hub/v2/app/blobs/sha256:abc`))).status).toBe(200);
    await handler(request(`${RELAY}/other.example/v2/app/tags/list`));
    const stranger = await handler(request(`${RELAY}/hub/_token/${b64url("https://victim.example/t")}`));
    expect(stranger.status).toBe(403);
    expect(sent.map((s) => [s.url, s.headers.authorization])).toEqual([
      [`${HUB}/v2/app/blobs/sha256:abc`, BASIC],
      ["https://storage.example/b", undefined],
      ["https://other.example/v2/app/tags/list", undefined],
      [`${HUB}/v2/`, undefined],
    ]);
  });

  it("turns an anonymous token GET into the OAuth2 refresh-token POST, and lends a refresh token nothing else", async () => {
    const { handler, sent } = setup({ type: "refresh-token", refreshToken: "r1" });
    await handler(request(`${RELAY}/hub/v2/`));
    const response = await handler(request(tokenUrl));
    expect(response.status).toBe(200);
    expect(sent[0]!.headers.authorization).toBeUndefined();
    expect(sent[1]).toMatchObject({
      method: "POST",
      url: AUTH,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(Object.fromEntries(new URLSearchParams(sent[1]!.body))).toEqual({
      grant_type: "refresh_token",
      refresh_token: "r1",
      client_id: "toci",
      service: "registry.example",
      scope: "repository:app:pull repository:base:pull",
    });
  });

  it("sends a registry token to the API only", async () => {
    const { handler, sent } = setup({ type: "bearer", token: "rt" });
    await handler(request(`${RELAY}/hub/v2/app/tags/list`));
    await handler(request(tokenUrl));
    // The relay's anonymous probe of /v2/ comes between: the API answered the token, so no challenge was seen.
    expect(sent.map((s) => [s.url.split("?")[0], s.headers.authorization])).toEqual([
      [`${HUB}/v2/app/tags/list`, "Bearer rt"],
      [`${HUB}/v2/`, undefined],
      [AUTH, undefined],
    ]);
  });

  it("asks a function each time, with the request's signal; undefined lends nothing", async () => {
    const asked: AbortSignal[] = [];
    let answer: UpstreamCredentials | undefined = basic;
    const { handler, sent } = setup(async ({ signal }) => {
      asked.push(signal);
      return answer;
    });
    await handler(request(`${RELAY}/hub/v2/app/tags/list`));
    answer = undefined;
    await handler(request(`${RELAY}/hub/v2/app/tags/list`));
    expect(asked).toHaveLength(2);
    expect(asked[0]).toBeInstanceOf(AbortSignal);
    expect(sent.map((s) => s.headers.authorization)).toEqual([BASIC, undefined]);
  });

  it("refuses credentials of an unknown shape when the relay is made", () => {
    const bad = { type: "basic", username: "u" } as unknown as UpstreamCredentials;
    let error: unknown;
    try {
      setup(bad);
    } catch (e) {
      error = e;
    }
    expect(isOciError(error) && error.code).toBe("INVALID_ARGUMENT");
  });
});
