// Mirrors (`RegistryOptions.mirrors`) against real registries: an upstream (distribution 2.8.2, htpasswd) and a
// second registry as its mirror (htpasswd with another user), each behind a fault proxy that records every request
// and can corrupt answers. A pull takes what the mirror has and the rest from the upstream; a mirror serving wrong
// bytes, lacking something, refusing or down is passed over; pushes and every other call never go to a mirror; each
// origin gets its own credentials only.
import { createServer } from "node:net";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { corrupt, type FaultProxy, startFaultProxy } from "@toci/testkit/proxy";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CredentialProvider } from "../../src/index.js";
import { fileFaultProxy } from "./fault-proxy.js";
import { collect, newClient, succeeded, uniqueRepo } from "./helpers.js";

const MIRROR_USER = { username: "mirroruser", password: "mirrorpass" };

let upstream: RunningRegistry;
let mirror: RunningRegistry;

beforeAll(async () => {
  [upstream, mirror] = await Promise.all([
    startRegistry({ auth: "htpasswd" }),
    startRegistry({ auth: "htpasswd", ...MIRROR_USER }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([upstream?.stop(), mirror?.stop()]);
});
// In front of the two registries: started after them (hooks run in order), stopped before them (after-hooks run in
// reverse order).
const up = fileFaultProxy(() => upstream.url);
const mp = fileFaultProxy(() => mirror.url);

/** A port nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const basic = ({ username, password }: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

/** Each host's own credentials, as docker config would hold them; records who was asked. */
function credentials() {
  const asked: string[] = [];
  const provider: CredentialProvider = async (host) => {
    asked.push(host);
    if (host === up.host) return { type: "basic", ...upstream.credentials! };
    if (host === mp.host) return { type: "basic", ...MIRROR_USER };
    return undefined;
  };
  return { provider, asked };
}

/** An image pushed whole to the upstream, and (optionally) to the mirror; both through their proxies. */
async function image(seed: string, onMirror: boolean) {
  const fixture = ociImage({ seed, layerSizes: [200_000, 300_000, 400_000] });
  const repo = uniqueRepo("mirrored");
  await pushFixture(fixture, { url: up.url, repo, tag: "v1", credentials: upstream.credentials });
  if (onMirror) await pushFixture(fixture, { url: mp.url, repo, tag: "v1", credentials: MIRROR_USER });
  up.clearRequests();
  mp.clearRequests();
  return { fixture, repo };
}

const gets = (proxy: FaultProxy, what: "blobs" | "manifests") =>
  proxy.requests.filter((r) => r.method === "GET" && r.path.includes(`/${what}/`) && r.status === 200);
const digestsOf = (requests: { path: string }[]) => requests.map((r) => r.path.split("/").at(-1));

async function pull(repo: string, options: { auth?: CredentialProvider; mirrors?: string[] } = {}) {
  const { client, store, logger } = newClient();
  const registry = client.registry(up.url, { auth: options.auth, mirrors: options.mirrors ?? [mp.url] });
  const events = await collect(registry.repo(repo).pull("v1"));
  return { events, store, logger, client, registry };
}

describe("mirrors", () => {
  it("a pull takes what the mirror has and the rest from the upstream, each with its own credentials", async () => {
    const { fixture, repo } = await image("partial", true);
    // The mirror loses one layer (a pull-through cache that evicted it).
    const missing = fixture.layers[1]!;
    const response = await fetch(`${mirror.url}/v2/${repo}/blobs/${missing.digest}`, {
      method: "DELETE",
      headers: { authorization: basic(MIRROR_USER) },
    });
    expect(response.status).toBe(202);
    mp.clearRequests();
    const { provider, asked } = credentials();
    const { events, store } = await pull(repo, { auth: provider });
    expect(succeeded(events)).toBe(true);
    // Everything arrived, verified by the store on commit, and the tag names the root.
    expect((await store.resolve(`${up.host}/${repo}:v1`))?.digest).toBe(fixture.root.digest);
    for (const blob of fixture.blobs) expect(await store.exists(blob.descriptor)).toBe(true);
    // The mirror served the manifest, the config and two layers; the upstream only the layer the mirror lacked.
    expect(digestsOf(gets(up, "blobs"))).toEqual([missing.digest]);
    expect(gets(up, "manifests")).toEqual([]);
    expect(digestsOf(gets(mp, "blobs")).sort()).toEqual(
      [fixture.config, fixture.layers[0]!, fixture.layers[2]!].map((d) => d.digest).sort(),
    );
    // Credentials per origin: the provider was asked for each host, and each got only its own.
    expect(asked.sort()).toEqual([mp.host, up.host].sort());
    for (const r of mp.requests) expect(r.headers.authorization ?? basic(MIRROR_USER)).toBe(basic(MIRROR_USER));
    for (const r of up.requests) {
      expect(r.headers.authorization ?? basic(upstream.credentials!)).toBe(basic(upstream.credentials!));
    }
  });

  it("a mirror serving wrong bytes is caught by digest, and the upstream serves them", async () => {
    const { fixture, repo } = await image("corrupt", true);
    const layer = fixture.layers[2]!;
    const rule = mp.on({ method: "GET", path: `/blobs/${layer.digest}` }, corrupt(1000));
    try {
      const { provider } = credentials();
      const { events, store, logger } = await pull(repo, { auth: provider });
      expect(succeeded(events)).toBe(true);
      expect(rule.hits).toBe(1);
      expect(digestsOf(gets(up, "blobs"))).toContain(layer.digest);
      expect(await store.exists(layer)).toBe(true);
      expect(logger.warnings.some((w) => w.includes("DIGEST_MISMATCH"))).toBe(true);
    } finally {
      rule.remove();
    }
  });

  it("a mirror failing several blobs at once is given up once, and the next mirror serves them", async () => {
    const { fixture, repo } = await image("two-mirrors", true);
    // A second way to the same mirror registry: it serves everything right, while the first corrupts every blob.
    const second = await startFaultProxy({ target: mirror.url });
    const rule = mp.on({ method: "GET", path: "/blobs/", when: (req) => !!req.headers.authorization }, corrupt(100));
    try {
      const { provider } = credentials();
      const { client, store, logger } = newClient();
      const mirrors = [mp.url, second.url];
      const registry = client.registry(up.url, {
        auth: async (host) => provider(host === second.host ? mp.host : host),
        mirrors,
      });
      expect(succeeded(await collect(registry.repo(repo).pull("v1")))).toBe(true);
      for (const blob of fixture.blobs) expect(await store.exists(blob.descriptor)).toBe(true);
      expect(rule.hits).toBeGreaterThan(1); // several blobs were in flight from the first mirror when it failed
      expect(logger.warnings.filter((w) => w.includes(mp.url.replace(/\/$/, "")))).toHaveLength(1);
      expect(gets(up, "blobs")).toEqual([]);
      expect(gets(second, "blobs")).toHaveLength(fixture.layers.length + 1);
    } finally {
      rule.remove();
      await second.stop();
    }
  });

  it("a mirror serving a wrong manifest is caught by digest, and the upstream serves it", async () => {
    const { fixture, repo } = await image("corrupt-manifest", true);
    // Only the answer with content (the first GET is the mirror's 401, before its credentials are asked for).
    const rule = mp.on(
      { method: "GET", path: `/manifests/${fixture.root.digest}`, when: (req) => !!req.headers.authorization },
      corrupt(10),
    );
    try {
      const { provider } = credentials();
      // By digest: a manifest read by digest is verified as it is read.
      const { client, store } = newClient();
      const registry = client.registry(up.url, { auth: provider, mirrors: [mp.url] });
      expect(succeeded(await collect(registry.repo(repo).pull(fixture.root)))).toBe(true);
      expect(rule.hits).toBe(1);
      expect(digestsOf(gets(up, "manifests"))).toEqual([fixture.root.digest]);
      expect(await store.exists(fixture.root)).toBe(true);
    } finally {
      rule.remove();
    }
  });

  it("what the mirror does not have at all comes from the upstream (NOT_FOUND), the mirror kept for each read", async () => {
    const { fixture, repo } = await image("absent", false);
    const { provider } = credentials();
    const { events, store } = await pull(repo, { auth: provider });
    expect(succeeded(events)).toBe(true);
    expect(await store.exists(fixture.root)).toBe(true);
    // Every blob was asked of the mirror first (a not-found answer does not give up on it), then the upstream.
    const asked = mp.requests.filter((r) => r.path.includes("/blobs/")).map((r) => r.status);
    expect(asked).toHaveLength(fixture.layers.length + 1);
    expect(asked.every((s) => s === 404)).toBe(true);
    expect(gets(up, "blobs")).toHaveLength(fixture.layers.length + 1);
  });

  it("a mirror that is down is passed over once, not once per blob", async () => {
    const { fixture, repo } = await image("down", false);
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const { provider } = credentials();
    const { events, store, logger } = await pull(repo, { auth: provider, mirrors: [dead] });
    expect(succeeded(events)).toBe(true);
    expect(await store.exists(fixture.layers[0]!)).toBe(true);
    expect(logger.warnings.filter((w) => w.includes(dead))).toHaveLength(1);
  });

  it("fixed credentials never go to a mirror: it is anonymous, and refused, the upstream serves", async () => {
    const { fixture, repo } = await image("fixed", true);
    const { client, store } = newClient();
    const registry = client.registry(up.url, {
      auth: { type: "basic", ...upstream.credentials! },
      mirrors: [mp.url],
    });
    expect(succeeded(await collect(registry.repo(repo).pull("v1")))).toBe(true);
    expect(await store.exists(fixture.root)).toBe(true);
    expect(mp.requests.length).toBeGreaterThan(0);
    expect(mp.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it("pushes, tags, listings and resolves go to the registry only", async () => {
    const { fixture, repo } = await image("push", true);
    const { provider } = credentials();
    const { client, store } = newClient();
    const registry = client.registry(up.url, { auth: provider, mirrors: [mp.url] });
    expect(succeeded(await collect(registry.repo(repo).pull("v1")))).toBe(true);
    mp.clearRequests();
    const copy = registry.repo(`${repo}-copy`);
    const root = (await store.resolve(`${up.host}/${repo}:v1`))!;
    expect(succeeded(await collect(copy.push(root, { tag: "v2" })))).toBe(true);
    expect(await copy.tags()).toEqual(["v2"]);
    expect((await copy.resolve("v2"))?.digest).toBe(fixture.root.digest);
    expect(await copy.tag(root, "v3")).toBeDefined();
    expect(mp.requests).toEqual([]);
    expect(up.requests.some((r) => r.method === "PUT" && r.path === `/v2/${repo}-copy/manifests/v2`)).toBe(true);
  });

  it("on Docker Hub, a mirror is asked for library/<name>, as the upstream would be", async () => {
    const fixture = ociImage({ seed: "hub" });
    const plainMirror = await startRegistry();
    try {
      await pushFixture(fixture, { url: plainMirror.url, repo: "library/alpine", tag: "v1" });
      const { client, store } = newClient();
      // The upstream (registry-1.docker.io) is never reached: the mirror has everything.
      const hub = client.registry("docker.io", { mirrors: [plainMirror.url] });
      const repo = hub.repo("alpine");
      expect(repo.name).toBe("library/alpine");
      expect(succeeded(await collect(repo.pull("v1")))).toBe(true);
      expect((await store.resolve("docker.io/library/alpine:v1"))?.digest).toBe(fixture.root.digest);
    } finally {
      await plainMirror.stop();
    }
  });

  it("refuses mirrors that cannot be: not a URL, the registry itself", () => {
    const { client } = newClient();
    expect(() => client.registry(up.url, { mirrors: [up.url] })).toThrow(/the registry itself/);
    expect(() => client.registry(up.url, { mirrors: ["ftp://x"] })).toThrow(/http or https/);
    expect(() => client.registry(up.url, { mirrors: [{} as never] })).toThrow(/mirrors\[0\]/);
  });
});
