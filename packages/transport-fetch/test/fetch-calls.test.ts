// What fetchTransport hands to fetch, seen through the `fetch` option: bodies passed through untouched (never
// teed or buffered), `duplex: "half"` for streams, manual redirects with their limits and refusals.
import { describe, expect, it } from "vitest";
import { type FetchFunction, fetchTransport } from "../src/index.js";

type Call = { url: string; init: RequestInit & { duplex?: string } };

function fakeFetch(answer: (call: Call, n: number) => Response) {
  const calls: Call[] = [];
  const fetch: FetchFunction = async (input, init = {}) => {
    const call = { url: String(input), init: init as Call["init"] };
    calls.push(call);
    return answer(call, calls.length);
  };
  return { calls, fetch };
}

const redirect = (status: number, location: string) => new Response("moved", { status, headers: { location } });

describe("fetch calls", () => {
  it("passes a stream body through untouched, with duplex: half and redirect: manual", async () => {
    const { calls, fetch } = fakeFetch(() => new Response("ok"));
    const body = new ReadableStream<Uint8Array>();
    await fetchTransport({ fetch }).request({ method: "PUT", url: "http://r.test/u", body });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.init.body).toBe(body);
    expect(calls[0]!.init.duplex).toBe("half");
    expect(calls[0]!.init.redirect).toBe("manual");
    expect(new Headers(calls[0]!.init.headers).get("user-agent")).toBe("toci");
  });

  it("sends the same Blob on every attempt (no copy, no tee)", async () => {
    const { calls, fetch } = fakeFetch((_c, n) => new Response(null, { status: n < 3 ? 503 : 201 }));
    const body = new Blob(["layer"]);
    const res = await fetchTransport({ fetch, retry: { backoffBase: 1 } }).request({
      method: "PUT",
      url: "http://r.test/u",
      body,
    });
    expect(res.status).toBe(201);
    expect(calls.map((c) => c.init.body)).toEqual([body, body, body]);
    expect(calls[0]!.init.duplex).toBeUndefined();
  });

  it("keeps the caller's User-Agent", async () => {
    const { calls, fetch } = fakeFetch(() => new Response("ok"));
    await fetchTransport({ fetch, userAgent: "mine/1" }).request({
      method: "GET",
      url: "http://r.test/",
      headers: { "User-Agent": "caller/2" },
    });
    expect(new Headers(calls[0]!.init.headers).get("user-agent")).toBe("caller/2");
  });

  it("returns an https → http redirect as it is, unless allowed", async () => {
    const { calls, fetch } = fakeFetch((c) =>
      c.url.startsWith("https:") ? redirect(302, "http://r.test/x") : new Response("plain"),
    );
    const res = await fetchTransport({ fetch }).request({ method: "GET", url: "https://r.test/" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://r.test/x");
    expect(calls).toHaveLength(1);
    const allowed = await fetchTransport({ fetch, allowInsecureRedirects: true }).request({
      method: "GET",
      url: "https://r.test/",
    });
    expect(allowed.status).toBe(200);
  });

  it("stops after maxRedirects and returns the last redirect", async () => {
    const { calls, fetch } = fakeFetch((_c, n) => redirect(302, `/hop${n}`));
    const res = await fetchTransport({ fetch, maxRedirects: 3 }).request({ method: "GET", url: "http://r.test/" });
    expect(res.status).toBe(302);
    expect(calls.map((c) => c.url)).toEqual([
      "http://r.test/",
      "http://r.test/hop1",
      "http://r.test/hop2",
      "http://r.test/hop3",
    ]);
  });

  it("does not follow when asked not to", async () => {
    const { calls, fetch } = fakeFetch(() => redirect(307, "/elsewhere"));
    const res = await fetchTransport({ fetch }).request({
      method: "GET",
      url: "http://r.test/",
      followRedirects: false,
    });
    expect(res.status).toBe(307);
    expect(calls).toHaveLength(1);
  });

  it("returns a 307 of a stream body as it is: the stream was read once", async () => {
    const { calls, fetch } = fakeFetch(() => redirect(307, "/elsewhere"));
    const res = await fetchTransport({ fetch }).request({
      method: "PUT",
      url: "http://r.test/",
      body: new ReadableStream(),
    });
    expect(res.status).toBe(307);
    expect(calls).toHaveLength(1);
  });

  it("reads a discarded redirect body to its end (so the connection is reused)", async () => {
    let pulled = false;
    const body = new ReadableStream({
      pull(c) {
        pulled = true;
        c.enqueue(new Uint8Array(10));
        c.close();
      },
    });
    const { fetch } = fakeFetch((_c, n) =>
      n === 1 ? new Response(body, { status: 302, headers: { location: "/b" } }) : new Response("ok"),
    );
    await fetchTransport({ fetch }).request({ method: "GET", url: "http://r.test/" });
    expect(pulled).toBe(true);
    expect(body.locked).toBe(true);
  });

  it("in browser mode lets fetch follow and sets no User-Agent", async () => {
    const { calls, fetch } = fakeFetch(() => new Response("ok"));
    await fetchTransport({ fetch, redirectMode: "follow" }).request({ method: "GET", url: "http://r.test/" });
    expect(calls[0]!.init.redirect).toBe("follow");
    expect(new Headers(calls[0]!.init.headers).has("user-agent")).toBe(false);
    await fetchTransport({ fetch, redirectMode: "follow" }).request({
      method: "GET",
      url: "http://r.test/",
      followRedirects: false,
    });
    expect(calls[1]!.init.redirect).toBe("manual");
  });

  it("rejects a bad URL or method with INVALID_ARGUMENT before any fetch", async () => {
    const { calls, fetch } = fakeFetch(() => new Response("ok"));
    const t = fetchTransport({ fetch });
    await expect(t.request({ method: "GET", url: "not a url" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(t.request({ method: "GET", url: "ftp://r.test/" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(t.request({ method: "TRACE" as "GET", url: "http://r.test/" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    expect(calls).toHaveLength(0);
  });

  it("a Warning hook that throws does not fail the request", async () => {
    const { fetch } = fakeFetch(() => new Response("ok", { headers: { warning: '299 - "x"' } }));
    const res = await fetchTransport({
      fetch,
      onWarning: () => {
        throw new Error("hook bug");
      },
    }).request({ method: "GET", url: "http://r.test/" });
    expect(res.status).toBe(200);
  });
});
