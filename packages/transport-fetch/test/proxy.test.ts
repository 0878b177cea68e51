// A proxy for fetchTransport in Node, the README's way: an injected fetch with an undici dispatcher (undici 7 from
// npm). The README's block runs against a real registry (distribution 2.8.2) behind testkit's forward proxy, with
// the proxy given explicitly and from the environment; the registry is addressed as `registry.test`, a name only the
// proxy resolves, so an answer proves the request went through the proxy.
import { type ForwardProxy, startForwardProxy } from "@toci/testkit/proxy";
import { runReadmeBlock } from "@toci/testkit/readme";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { afterAll, beforeAll, expect, it } from "vitest";

let registry: RunningRegistry;
let proxy: ForwardProxy;
beforeAll(async () => {
  registry = await startRegistry({});
  proxy = await startForwardProxy({ hosts: { "registry.test": "127.0.0.1" }, auth: { username: "u", password: "p" } });
}, 30_000);
afterAll(async () => {
  await Promise.all([registry?.stop(), proxy?.stop()]);
});

async function runExample(env: Record<string, string>): Promise<string> {
  const unset = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, undefined]));
  const { code, stdout } = await runReadmeBlock({
    readme: new URL("../README.md", import.meta.url),
    dir: new URL(".", import.meta.url),
    after: /^## Proxies/m,
    env: { ...unset, ...env },
  });
  expect(code).toContain("undiciFetch");
  return stdout.trim();
}

const PROXY_VARIABLES = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"];
const through = () => proxy.url.replace("http://", "http://u:p@");
const target = () => registry.url.replace("127.0.0.1", "registry.test");

it("the README's proxy block reaches the registry through a proxy given explicitly", async () => {
  proxy.log.length = 0;
  expect(await runExample({ PROXY: through(), REGISTRY: target() })).toBe("200");
  expect(proxy.log.length).toBeGreaterThan(0);
  for (const entry of proxy.log) {
    expect(entry.status).toBe(200);
    expect(entry.target).toContain(`registry.test:${registry.port}`);
  }
}, 30_000);

it("and through the proxy the environment names (HTTP_PROXY, NO_PROXY)", async () => {
  proxy.log.length = 0;
  expect(await runExample({ HTTP_PROXY: through(), REGISTRY: target() })).toBe("200");
  expect(proxy.log.length).toBeGreaterThan(0);
  const direct = runExample({ HTTP_PROXY: through(), NO_PROXY: "registry.test", REGISTRY: target() });
  await expect(direct).rejects.toThrow(/NETWORK|ENOTFOUND|EAI_AGAIN/);
}, 60_000);
