// Unit tests of what only nodeTransport decides (the retry, redirect and Warning rules and the common options are
// spec-types', tested there): its own options (pools, TLS per origin, proxies) and the proxy rules, table by table.

import { describe, expect, it } from "vitest";
import { normalizeOptions } from "../src/options.js";
import { noProxyRules, proxyFor, proxySettings } from "../src/proxy.js";

const invalid = expect.objectContaining({ code: "INVALID_ARGUMENT" });

describe("options", () => {
  it("fills the node-only defaults on top of the common ones", () => {
    const o = normalizeOptions({}, {});
    expect(o).toMatchObject({ maxSockets: 16, keepAliveTimeout: 15_000, userAgent: "toci", timeout: 30_000 });
    expect(o.tlsFor("https://r.io")).toEqual({ ca: undefined, cert: undefined, key: undefined, insecure: false });
    expect(o.proxy.http).toBeUndefined();
  });

  it("takes TLS settings per origin, in place of the transport's", () => {
    const o = normalizeOptions(
      { ca: "A", tls: { "https://r.io:5000/ignored/path": { cert: "C", key: "K" }, "https://other.io": {} } },
      {},
    );
    expect(o.tlsFor("https://r.io:5000")).toEqual({ ca: undefined, cert: "C", key: "K", insecure: false });
    expect(o.tlsFor("https://elsewhere.io").ca).toEqual(["A"]);
    expect(o.tlsFor("https://other.io").ca).toBeUndefined();
    expect(normalizeOptions({ ca: ["A", "B"] }, {}).tlsFor("https://x").ca).toEqual(["A", "B"]);
  });

  it.each([
    [{ maxSockets: 0 }],
    [{ keepAliveTimeout: -5 }],
    [{ timeout: -1 }],
    [{ cert: "C" }],
    [{ tls: { "https://r.io": { key: "K" } } }],
    [{ tls: { "not an origin": {} } }],
    [{ proxy: "socks5://proxy:1080" }],
    [{ proxy: { https: "http://[bad" } }],
  ])("rejects %j with INVALID_ARGUMENT", (options) => {
    expect(() => normalizeOptions(options, {})).toThrow(invalid);
  });
});

describe("proxies from the environment", () => {
  const url = (u: string) => new URL(u);
  const via = (env: NodeJS.ProcessEnv, u: string) => proxyFor(proxySettings(undefined, env), url(u))?.key;

  it.each<[string, NodeJS.ProcessEnv, string, string | undefined]>([
    ["HTTPS_PROXY for https:", { HTTPS_PROXY: "http://p:3128" }, "https://r.io/v2/", "p:3128"],
    ["not for http:", { HTTPS_PROXY: "http://p:3128" }, "http://r.io/v2/", undefined],
    ["HTTP_PROXY for http:", { HTTP_PROXY: "http://p:3128" }, "http://r.io/v2/", "p:3128"],
    ["lower case too", { https_proxy: "p:8080" }, "https://r.io/", "p:8080"],
    ["upper case first", { HTTPS_PROXY: "http://up:1", https_proxy: "http://low:2" }, "https://r.io/", "up:1"],
    ["an empty upper case falls back", { HTTPS_PROXY: "", https_proxy: "http://low:2" }, "https://r.io/", "low:2"],
    ["no scheme means http://, port 80 by default", { HTTP_PROXY: "p" }, "http://r.io/", "p:80"],
    ["HTTP_PROXY ignored under CGI", { HTTP_PROXY: "http://p:1", REQUEST_METHOD: "GET" }, "http://r.io/", undefined],
    ["loopback never proxied", { HTTPS_PROXY: "http://p:1" }, "https://127.0.0.1:5000/", undefined],
    ["localhost never proxied", { HTTP_PROXY: "http://p:1" }, "http://localhost:5000/", undefined],
    ["::1 never proxied", { HTTP_PROXY: "http://p:1" }, "http://[::1]:5000/", undefined],
    ["NO_PROXY applies", { HTTPS_PROXY: "http://p:1", NO_PROXY: "r.io" }, "https://r.io/", undefined],
    ["no_proxy too", { HTTPS_PROXY: "http://p:1", no_proxy: "*" }, "https://r.io/", undefined],
  ])("%s", (_what, env, target, expected) => {
    expect(via(env, target)).toBe(expected);
  });

  it("an explicit proxy overrides the environment, proxies loopback, and `false` means none", () => {
    const env = { HTTPS_PROXY: "http://env:1" };
    expect(proxyFor(proxySettings("http://mine:2", env), url("https://127.0.0.1/"))?.key).toBe("mine:2");
    expect(
      proxyFor(proxySettings({ https: "http://mine:2", noProxy: "127.0.0.1" }, env), url("https://127.0.0.1/")),
    ).toBe(undefined);
    expect(proxyFor(proxySettings({ http: "http://mine:2" }, env), url("https://r.io/"))).toBeUndefined();
    expect(proxyFor(proxySettings(false, env), url("https://r.io/"))).toBeUndefined();
  });

  it("keeps the proxy's credentials for Proxy-Authorization only, decoded, never in the pool key", () => {
    const proxy = proxySettings("http://us%40er:p%3Ass@p:3128", {}).https!;
    expect(proxy.authorization).toBe(`Basic ${Buffer.from("us@er:p:ss").toString("base64")}`);
    expect(proxy.key).toBe("p:3128");
    expect(proxySettings("http://p:3128", {}).https!.authorization).toBeUndefined();
  });
});

describe("NO_PROXY rules", () => {
  it.each<[string, string, string, boolean]>([
    ["example.com", "example.com", "443", true],
    ["example.com", "registry.example.com", "443", true],
    ["example.com", "notexample.com", "443", false],
    [".example.com", "example.com", "443", false],
    [".example.com", "a.example.com", "443", true],
    ["*.example.com", "a.b.example.com", "443", true],
    ["*.example.com", "example.com", "443", false],
    ["EXAMPLE.com", "Example.COM", "443", true],
    ["example.com:5000", "example.com", "5000", true],
    ["example.com:5000", "example.com", "443", false],
    ["10.0.0.0/8", "10.1.2.3", "443", true],
    ["10.0.0.0/8", "11.1.2.3", "443", false],
    ["10.0.0.0/8", "ten.example", "443", false],
    ["192.168.1.10", "192.168.1.10", "80", true],
    ["192.168.1.10:8080", "192.168.1.10", "80", false],
    ["fd00::/8", "fd12::1", "443", true],
    ["[::1]:5000", "::1", "5000", true],
    ["*", "anything.io", "1", true],
    ["a.io, b.io ,,c.io", "b.io", "443", true],
    ["a.io, b.io ,,c.io", "d.io", "443", false],
    ["10.0.0.0/99", "10.0.0.1", "443", false],
    ["", "r.io", "443", false],
  ])("%j with %s:%s → %s", (rules, host, port, direct) => {
    expect(noProxyRules(rules)(host, port)).toBe(direct);
  });
});
