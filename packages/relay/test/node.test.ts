// @toci/relay/node: nodeFetch (what the relay sends upstream with in Node) and serve/toNodeListener (how Node
// serves a fetch handler), against small loopback servers.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { testCertificates } from "@toci/testkit/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeFetch, nodeFetch, serve } from "../src/node.js";

let server: http.Server;
let base: string;
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === "/redirect") return res.writeHead(302, { location: "/elsewhere" }).end("moved");
      if (req.url === "/hang") return; // never answers
      res.writeHead(200, { "content-type": "text/plain", "x-thing": "1", "set-cookie": ["a=1", "b=2"] });
      res.end(req.method === "HEAD" ? undefined : `echo ${body}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("nodeFetch", () => {
  it("sends method, headers and a streamed body; answers status, headers and body", async () => {
    const body = new Blob(["up", "load"]).stream();
    const response = await nodeFetch(`${base}/put`, {
      method: "PUT",
      headers: { "x-mine": "yes", "content-length": "6" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-thing")).toBe("1");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await response.text()).toBe("echo upload");
    expect(seen.at(-1)).toMatchObject({
      method: "PUT",
      body: "upload",
      headers: { "x-mine": "yes", "content-length": "6" },
    });
  });

  it("frames a request by its body alone: no Content-Length without one, and a stream longer than its length fails", async () => {
    const get = await nodeFetch(`${base}/get`, { headers: { "content-length": "64", "transfer-encoding": "chunked" } });
    await get.text();
    expect(seen.at(-1)!.headers["content-length"]).toBeUndefined();
    expect(seen.at(-1)!.headers["transfer-encoding"]).toBeUndefined();
    const count = seen.length;
    // Two bytes past the stated length would be read by the server as the start of the next request.
    const longer = nodeFetch(`${base}/put`, {
      method: "PUT",
      headers: { "content-length": "4" },
      body: new Blob(["upload"]).stream(),
      duplex: "half",
    } as RequestInit);
    await expect(longer).rejects.toThrow(TypeError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.slice(count).map((r) => r.body)).not.toContain("ad");
    expect(seen.slice(count).every((r) => r.url === "/put")).toBe(true);
  });

  it("decodes an API document compressed against identity, passes a blob as stored, ends an empty one", async () => {
    const json = JSON.stringify({ tags: ["x".repeat(10_000)] });
    const layer = gzipSync("the layer's tar"); // a gzip layer: its digest is over these bytes
    const gz = http.createServer((req, res) => {
      if (req.url === "/json") {
        res.writeHead(200, { "content-encoding": "gzip", "content-type": "application/json" }).end(gzipSync(json));
      } else if (req.url === "/blob") {
        res.writeHead(200, { "content-encoding": "gzip", "content-type": "application/octet-stream" }).end(layer);
      } else {
        res.writeHead(202, { "content-encoding": "gzip", "content-type": "application/json" }).end();
      }
    });
    await new Promise<void>((resolve) => gz.listen(0, "127.0.0.1", resolve));
    const at = `http://127.0.0.1:${(gz.address() as AddressInfo).port}`;
    try {
      const init = { headers: { "accept-encoding": "identity" } };
      expect(await (await nodeFetch(`${at}/json`, init)).text()).toBe(json);
      expect(new Uint8Array(await (await nodeFetch(`${at}/blob`, init)).arrayBuffer())).toEqual(new Uint8Array(layer));
      expect(await (await nodeFetch(`${at}/empty`, init)).text()).toBe("");
    } finally {
      gz.closeAllConnections();
      await new Promise((resolve) => gz.close(resolve));
    }
  });

  it("takes TLS per origin (createNodeFetch): a CA trusts the server; without it, the certificate fails", async () => {
    const certs = testCertificates();
    const secure = https.createServer(
      { cert: readFileSync(certs.tlsCert), key: readFileSync(certs.tlsKey) },
      (_, res) => void res.end("over tls"),
    );
    await new Promise<void>((resolve) => secure.listen(0, "127.0.0.1", resolve));
    const origin = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
    try {
      await expect(nodeFetch(`${origin}/`)).rejects.toThrow(TypeError);
      const asked: string[] = [];
      const trusting = createNodeFetch({
        tls: (o) => {
          asked.push(o);
          return { ca: readFileSync(certs.caFile, "utf8") };
        },
      });
      expect(await (await trusting(`${origin}/`)).text()).toBe("over tls");
      expect(await (await trusting(`${origin}/again`)).text()).toBe("over tls");
      expect(asked).toEqual([origin]); // once per origin: its agent keeps its connections
    } finally {
      secure.closeAllConnections();
      await new Promise((resolve) => secure.close(resolve));
    }
  });

  it("never follows a redirect, and a HEAD has no body", async () => {
    const redirect = await nodeFetch(`${base}/redirect`, { redirect: "manual" });
    expect([redirect.status, redirect.headers.get("location")]).toEqual([302, "/elsewhere"]);
    await redirect.body?.cancel();
    const head = await nodeFetch(`${base}/head`, { method: "HEAD" });
    expect([head.status, head.body]).toEqual([200, null]);
  });

  it("rejects with a TypeError when the server cannot be reached, and with the reason when aborted", async () => {
    await expect(nodeFetch("http://127.0.0.1:1/")).rejects.toThrow(TypeError);
    const controller = new AbortController();
    const pending = nodeFetch(`${base}/hang`, { signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toThrow("stop");
    await expect(nodeFetch("ftp://127.0.0.1/")).rejects.toThrow(TypeError);
  });
});

describe("serve", () => {
  it("serves a fetch handler: the request as a Request (URL, headers, body), the Response written back", async () => {
    const running = await serve(async (request) => {
      const text = request.body ? await request.text() : "";
      return new Response(`${request.method} ${new URL(request.url).pathname} ${request.headers.get("x-a")} ${text}`, {
        status: 201,
        headers: { "x-b": "2" },
      });
    });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${running.url}/p?q=1`, { method: "POST", headers: { "x-a": "1" }, body: "hi" });
      expect([response.status, response.headers.get("x-b"), await response.text()]).toEqual([201, "2", "POST /p 1 hi"]);
    } finally {
      await running.close();
    }
  });

  it("answers 400 to a target that is not a path, 405 to a method fetch refuses, 500 when the handler throws", async () => {
    const running = await serve(async () => {
      throw new Error("boom");
    });
    const { port } = new URL(running.url);
    const status = (method: string, path: string) =>
      new Promise<number>((resolve) => {
        http
          .request({ host: "127.0.0.1", port, path, method }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          })
          .end();
      });
    const host = (path: string, value: string) =>
      new Promise<number>((resolve) => {
        http
          .request({ host: "127.0.0.1", port, path, headers: { host: value } }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          })
          .end();
      });
    try {
      expect(await status("GET", "http://other.example/")).toBe(400);
      // A Host the handler would write into the URLs it sends back (realms, Location) must be a host.
      expect(await host("/", 'a"b,realm="https://evil.example/')).toBe(400);
      expect(await host("/", "user@evil.example")).toBe(400);
      expect(await status("TRACE", "/")).toBe(405);
      expect((await fetch(running.url)).status).toBe(500);
    } finally {
      await running.close();
    }
  });

  it("gives the handler the path of a target that starts with //, on the Host the client named", async () => {
    let url = "";
    const running = await serve(async (request) => {
      url = request.url;
      return new Response("ok");
    });
    const { port } = new URL(running.url);
    try {
      await new Promise<void>((resolve) => {
        http
          .request({ host: "127.0.0.1", port, path: "//evil.example/hub/v2/" }, (res) =>
            res.resume().on("end", resolve),
          )
          .end();
      });
      expect(url).toBe(`http://127.0.0.1:${port}//evil.example/hub/v2/`);
    } finally {
      await running.close();
    }
  });

  it("aborts the handler's request when the client goes away", async () => {
    let aborted: Promise<unknown> | undefined;
    const running = await serve(async (request) => {
      aborted = new Promise((resolve) =>
        request.signal.addEventListener("abort", () => resolve(request.signal.reason)),
      );
      return new Response(new ReadableStream({ pull: () => new Promise(() => {}) }));
    });
    try {
      const controller = new AbortController();
      const response = await fetch(running.url, { signal: controller.signal });
      expect(response.status).toBe(200);
      controller.abort();
      expect(await aborted).toBeInstanceOf(Error);
    } finally {
      await running.close();
    }
  });
});
