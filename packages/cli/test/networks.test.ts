// `toci` in real networks: pulls and pushes through testkit's forward proxy (HTTPS_PROXY, HTTP_PROXY, --proxy,
// --no-proxy), a registry that demands a client certificate reached through the configuration file, a mirror from
// the configuration file holding part of an image, and TLS verification skipped by the file, loudly. Registries are
// named `registry.test` where the proxy must be used: only the proxy resolves that name.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ociImage, pushFixture, writeLayout } from "@toci/testkit/fixtures";
import { type FaultProxy, type ForwardProxy, startFaultProxy, startForwardProxy } from "@toci/testkit/proxy";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, dockerConfig, registries, tempDir, toci } from "./helpers.js";

const { plain, tls } = registries();
const PROXY_USER = { username: "pu", password: "pp" };
const MIRROR_USER = { username: "mirroruser", password: "mirrorpass" };

let proxy: ForwardProxy;
let mtls: RunningRegistry;
let upstream: RunningRegistry;
let mirror: RunningRegistry;
let up: FaultProxy;
let mp: FaultProxy;
/** A layout holding `fixture` under the tag v1. */
let layout: string;
const fixture = ociImage({ seed: "cli-networks", layerSizes: [150_000, 250_000, 350_000] });

beforeAll(async () => {
  [proxy, mtls, upstream, mirror] = await Promise.all([
    startForwardProxy({ hosts: { "registry.test": "127.0.0.1" }, auth: PROXY_USER }),
    startRegistry({ tls: true, clientCa: true }),
    startRegistry({ auth: "htpasswd" }),
    startRegistry({ auth: "htpasswd", ...MIRROR_USER }),
  ]);
  [up, mp] = await Promise.all([startFaultProxy({ target: upstream.url }), startFaultProxy({ target: mirror.url })]);
  layout = tempDir();
  writeLayout(layout, fixture, "v1");
}, 60_000);
afterAll(async () => {
  await Promise.all([proxy?.stop(), up?.stop(), mp?.stop()]);
  await Promise.all([mtls?.stop(), upstream?.stop(), mirror?.stop()]);
});

/** A toci configuration file holding `config`; its path. */
function tociConfig(config: unknown): string {
  const file = join(tempDir("toci-cli-config-"), "config.json");
  writeFileSync(file, JSON.stringify(config));
  return file;
}

const proxyUrl = () => `http://${PROXY_USER.username}:${PROXY_USER.password}@127.0.0.1:${proxy.port}`;
const basic = ({ username, password }: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

/** Pushes the layout's v1 to `ref`, pulls it back into a new layout: both succeed, with the fixture's digest. */
async function roundTrip(ref: string, extra: string[], env: Record<string, string | undefined>) {
  const pushed = await toci(["push", ref, "--store", layout, "--from", "v1", ...extra], { env });
  expect(pushed.stderr).toBe("");
  expect(pushed.code).toBe(0);
  const pulled = await toci(["pull", ref, "--store", tempDir(), ...extra], { env });
  expect(pulled.stderr).toBe("");
  expect(pulled.code).toBe(0);
  expect(pulled.stdout).toContain(fixture.root.digest);
}

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("proxies", () => {
  it("HTTPS_PROXY: push and pull through CONNECT tunnels; the proxy never sees the registry's requests", async () => {
    const config = tociConfig({ registries: { [`registry.test:${tls.port}`]: { ca: tls.caFile } } });
    proxy.log.length = 0;
    await roundTrip(`registry.test:${tls.port}/cli/proxied:v1`, [], { HTTPS_PROXY: proxyUrl(), TOCI_CONFIG: config });
    expect(proxy.log.length).toBeGreaterThan(0);
    for (const entry of proxy.log) {
      expect(entry).toMatchObject({ kind: "connect", target: `registry.test:${tls.port}`, status: 200 });
      expect(entry.headers.authorization).toBeUndefined();
      expect(entry.headers["proxy-authorization"]).toBe(basic(PROXY_USER));
    }
  });

  it("toci relay reaches its upstream through HTTPS_PROXY too, with the configuration file's CA", async () => {
    const config = tociConfig({ registries: { [`registry.test:${tls.port}`]: { ca: tls.caFile } } });
    proxy.log.length = 0;
    const page = "http://page.example:8080";
    const child = spawn(
      process.execPath,
      [
        BIN,
        "relay",
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        `up=https://registry.test:${tls.port}`,
        "--allow-origin",
        page,
      ],
      {
        env: { ...process.env, HTTPS_PROXY: proxyUrl(), TOCI_CONFIG: config, NO_COLOR: "1" },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    try {
      let stderr = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.setEncoding("utf8").on("data", (d: string) => {
          stderr += d;
          const found = /relay listening on (http:\/\/\S+)/.exec(stderr)?.[1];
          if (found) resolve(found);
        });
        child.on("close", (code) => reject(new Error(`toci relay exited ${code}: ${stderr}`)));
      });
      // registry.test resolves only through the proxy: a 200 here came through it.
      const response = await fetch(`${url}/up/v2/`, { headers: { origin: page } });
      await response.body?.cancel();
      expect(response.status).toBe(200);
      expect(proxy.log).toContainEqual(
        expect.objectContaining({ kind: "connect", target: `registry.test:${tls.port}`, status: 200 }),
      );
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("--proxy overrides HTTP_PROXY: every request in absolute form through the given proxy", async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const config = tociConfig({ registries: { [`registry.test:${plain.port}`]: { plainHttp: true } } });
    proxy.log.length = 0;
    const ref = `registry.test:${plain.port}/cli/proxied-plain:v1`;
    await roundTrip(ref, ["--proxy", proxyUrl()], { HTTP_PROXY: dead, TOCI_CONFIG: config });
    expect(proxy.log.length).toBeGreaterThan(5);
    for (const entry of proxy.log) {
      expect(entry.kind).toBe("forward");
      expect(entry.target.startsWith(`http://registry.test:${plain.port}/v2/`)).toBe(true);
    }
    const paths = proxy.log.map((e) => `${e.method} ${new URL(e.target).pathname}`);
    expect(paths).toContain(`PUT /v2/cli/proxied-plain/manifests/v1`);
    expect(paths.some((p) => p.startsWith("GET /v2/cli/proxied-plain/blobs/sha256:"))).toBe(true);
  });

  it("--no-proxy ignores HTTPS_PROXY, and NO_PROXY applies to --proxy: the proxy sees nothing", async () => {
    const config = tociConfig({ registries: { [`registry.test:${tls.port}`]: { ca: tls.caFile } } });
    const ref = `registry.test:${tls.port}/cli/proxied`;
    proxy.log.length = 0;
    // registry.test resolves only through the proxy: directly, the name is unknown.
    const direct = await toci(["tags", ref, "--no-proxy"], { env: { HTTPS_PROXY: proxyUrl(), TOCI_CONFIG: config } });
    expect(direct.code).toBe(1);
    expect(direct.stderr).toMatch(/^error: NETWORK: /);
    const exempt = await toci(["tags", ref, "--proxy", proxyUrl()], {
      env: { NO_PROXY: "registry.test", TOCI_CONFIG: config },
    });
    expect(exempt.code).toBe(1);
    expect(proxy.log).toEqual([]);
    // The same through the proxy works.
    const proxied = await toci(["tags", ref, "--proxy", proxyUrl()], { env: { TOCI_CONFIG: config } });
    expect(proxied.stdout).toBe("v1\n");
  });

  it("refuses a --proxy that is not an http:// URL: exit 2", async () => {
    for (const value of ["https://proxy.example:3128", "http://[bad"]) {
      const result = await toci(["ping", plain.host, "--proxy", value]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("--proxy");
    }
  });
});

describe("per-registry settings from the configuration file", () => {
  it("a registry that demands a client certificate: refused without it, push and pull with it (mTLS)", async () => {
    const without = await toci(["ping", `https://${mtls.host}`, "--ca-file", mtls.caFile!]);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/^error: NETWORK: /);
    expect(without.stderr).toContain('hint: the registry asks for a client certificate: give its "cert" and "key"');
    const config = tociConfig({
      registries: { [mtls.host]: { ca: mtls.caFile, cert: mtls.clientCert, key: mtls.clientKey } },
    });
    // Named without a scheme: the file's TLS settings mean HTTPS, though loopback defaults to plain HTTP.
    await roundTrip(`${mtls.host}/cli/mtls:v1`, [], { TOCI_CONFIG: config });
  });

  it("insecure: true skips verification for that registry only, and says so", async () => {
    const config = tociConfig({ registries: { [tls.host]: { insecure: true } } });
    const result = await toci(["catalog", tls.host], { env: { TOCI_CONFIG: config } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`${config}: registries["${tls.host}"].insecure: TLS certificates of ${tls.host}`);
    // Another registry is verified as usual.
    const other = tociConfig({ registries: { "elsewhere.example": { insecure: true } } });
    const refused = await toci(["catalog", `https://${tls.host}`], { env: { TOCI_CONFIG: other } });
    expect(refused.code).toBe(1);
  });

  it("a mirror serves what it has, the upstream the rest; each gets its own docker credentials; pushes skip it", async () => {
    const repo = "cli/mirrored";
    await pushFixture(fixture, { url: up.url, repo, tag: "v1", credentials: upstream.credentials });
    await pushFixture(fixture, { url: mp.url, repo, tag: "v1", credentials: MIRROR_USER });
    const missing = fixture.layers[0]!;
    const deleted = await fetch(`${mirror.url}/v2/${repo}/blobs/${missing.digest}`, {
      method: "DELETE",
      headers: { authorization: basic(MIRROR_USER) },
    });
    expect(deleted.status).toBe(202);
    up.clearRequests();
    mp.clearRequests();
    const auth = (c: { username: string; password: string }) => ({
      auth: Buffer.from(`${c.username}:${c.password}`).toString("base64"),
    });
    const env = {
      TOCI_CONFIG: tociConfig({ registries: { [up.host]: { mirrors: [mp.url] } } }),
      DOCKER_CONFIG: dockerConfig({ auths: { [up.host]: auth(upstream.credentials!), [mp.host]: auth(MIRROR_USER) } }),
    };
    const store = tempDir();
    const pulled = await toci(["pull", `${up.host}/${repo}:v1`, "--store", store], { env });
    expect(pulled.stderr).toBe("");
    expect(pulled.stdout).toContain(fixture.root.digest);
    const blobGets = (p: FaultProxy) =>
      p.requests.filter((r) => r.method === "GET" && r.path.includes("/blobs/") && r.status === 200);
    expect(blobGets(up).map((r) => r.path.split("/").at(-1))).toEqual([missing.digest]);
    expect(blobGets(mp)).toHaveLength(fixture.layers.length); // the config and the two other layers
    for (const r of mp.requests) expect(r.headers.authorization ?? basic(MIRROR_USER)).toBe(basic(MIRROR_USER));
    mp.clearRequests();
    const pushed = await toci(["push", `${up.host}/${repo}-copy:v1`, "--store", store, "--from", "v1"], { env });
    expect(pushed.code).toBe(0);
    expect(mp.requests).toEqual([]);
  });
});
