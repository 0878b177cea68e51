import { OCI_MANIFEST } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import { Client, type Logger } from "../src/index.js";
import { fakeRegistry } from "./helpers/fake-registry.js";

const noStore = {} as never; // these tests never touch the store

function recordingLogger() {
  const errors: Array<{ message: string; code?: string }> = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error(message, fields) {
      errors.push({ message, code: (fields?.error as { code?: string } | undefined)?.code });
    },
  };
  return { logger, errors };
}

const manifest = {
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${"a".repeat(64)}`, size: 2 },
  layers: [],
};

describe("token auth", () => {
  it("gets an anonymous token once for many concurrent requests of one scope", async () => {
    const reg = fakeRegistry({ auth: "token" });
    const desc = reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
    const client = new Client({ transport: reg.transport, store: noStore });
    const repo = client.registry(reg.origin).repo("a/b");
    const got = await Promise.all(Array.from({ length: 10 }, () => repo.resolve("v1")));
    expect(got.every((d) => d?.digest === desc.digest)).toBe(true);
    expect(reg.tokenRequests).toHaveLength(1);
    expect(reg.tokenRequests[0]!.searchParams.getAll("scope")).toEqual(["repository:a/b:pull"]);
    expect(reg.tokenRequests[0]!.searchParams.get("service")).toBe("fake");
    // Later requests reuse the cached token without a new 401.
    const before = reg.transport.requests.length;
    await repo.resolve("v1");
    expect(reg.transport.requests.length - before).toBe(1);
  });

  it("recovers from a token the registry stops accepting, without a new client (koci could not)", async () => {
    const reg = fakeRegistry({ auth: "token" });
    reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
    const client = new Client({ transport: reg.transport, store: noStore });
    const repo = client.registry(reg.origin).repo("a/b");
    expect(await repo.resolve("v1")).toBeDefined();
    reg.revoke("tok1");
    expect(await repo.resolve("v1")).toBeDefined();
    expect(reg.tokenRequests).toHaveLength(2);
    const retried = reg.transport.requests.filter((r) => r.authorization === "Bearer tok2");
    expect(retried.length).toBeGreaterThan(0);
  });

  it("accepts token servers that answer access_token only", async () => {
    const reg = fakeRegistry({ auth: "token", accessTokenOnly: true });
    reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
    const client = new Client({ transport: reg.transport, store: noStore });
    expect(await client.registry(reg.origin).repo("a/b").resolve("v1")).toBeDefined();
  });

  it("sends Basic credentials to a loopback token realm, and reports wrong ones as UNAUTHORIZED", async () => {
    const reg = fakeRegistry({ auth: "token" });
    reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
    const ok = new Client({ transport: reg.transport, store: noStore });
    const registry = ok.registry(reg.origin, { auth: { type: "basic", username: "alice", password: "secret" } });
    expect(await registry.repo("a/b").resolve("v1")).toBeDefined();
    expect(reg.transport.requests.find((r) => r.url.startsWith(reg.realm))?.authorization).toBe(
      `Basic ${btoa("alice:secret")}`,
    );
    const { logger, errors } = recordingLogger();
    const bad = new Client({ transport: reg.transport, store: noStore, logger });
    const wrong = bad.registry(reg.origin, { auth: { type: "basic", username: "alice", password: "nope" } });
    expect(await wrong.repo("a/b").resolve("v1")).toBeUndefined();
    expect(errors.at(-1)?.code).toBe("UNAUTHORIZED");
  });

  it("exchanges a refresh token with a POST (OAuth2)", async () => {
    const reg = fakeRegistry({ auth: "token" });
    reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
    const client = new Client({ transport: reg.transport, store: noStore });
    const registry = client.registry(reg.origin, { auth: { type: "refresh-token", refreshToken: "refresh-me" } });
    expect(await registry.repo("a/b").resolve("v1")).toBeDefined();
    expect(reg.transport.requests.some((r) => r.method === "POST" && r.url.startsWith(reg.realm))).toBe(true);
  });

  it("never sends credentials to an http realm of an https registry", async () => {
    const reg = fakeRegistry({ auth: "token", origin: "https://registry.example", realm: "http://auth.example/token" });
    reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
    const client = new Client({ transport: reg.transport, store: noStore });
    const registry = client.registry(reg.origin, { auth: { type: "basic", username: "alice", password: "secret" } });
    await registry.repo("a/b").resolve("v1");
    const toRealm = reg.transport.requests.filter((r) => r.url.startsWith(reg.realm));
    expect(toRealm.length).toBeGreaterThan(0);
    expect(toRealm.every((r) => r.authorization === null)).toBe(true);
  });
});

describe("basic auth", () => {
  it("answers a Basic challenge on loopback", async () => {
    const reg = fakeRegistry({ auth: "basic" });
    reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
    const client = new Client({ transport: reg.transport, store: noStore });
    const registry = client.registry(reg.origin, { auth: { type: "basic", username: "alice", password: "secret" } });
    expect(await registry.ping()).toBe(true);
    expect(await registry.repo("a/b").resolve("v1")).toBeDefined();
  });

  it("refuses Basic over plain HTTP to a host that is not loopback, unless allowed", async () => {
    const reg = fakeRegistry({ auth: "basic", origin: "http://registry.example" });
    reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
    const { logger, errors } = recordingLogger();
    const client = new Client({ transport: reg.transport, store: noStore, logger });
    const creds = { type: "basic" as const, username: "alice", password: "secret" };
    expect(await client.registry(reg.origin, { auth: creds }).repo("a/b").resolve("v1")).toBeUndefined();
    expect(errors.at(-1)?.message).toMatch(/plain HTTP/);
    expect(reg.transport.requests.every((r) => r.authorization === null)).toBe(true);
    const allowed = client.registry(reg.origin, { auth: creds, allowInsecureCredentials: true });
    expect(await allowed.repo("a/b").resolve("v1")).toBeDefined();
  });
});

describe("a fixed bearer token", () => {
  it("is a credential like Basic: never over plain HTTP to a host that is not loopback, unless allowed", async () => {
    const reg = fakeRegistry({ origin: "http://registry.example" });
    reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
    const { logger, errors } = recordingLogger();
    const client = new Client({ transport: reg.transport, store: noStore, logger });
    const auth = { type: "bearer" as const, token: "s3cret-token" };
    expect(await client.registry(reg.origin, { auth }).repo("a/b").resolve("v1")).toBeUndefined();
    expect(errors.at(-1)?.message).toMatch(/plain HTTP/);
    expect(reg.transport.requests.every((r) => r.authorization === null)).toBe(true);
    const allowed = client.registry(reg.origin, { auth, allowInsecureCredentials: true });
    expect(await allowed.repo("a/b").resolve("v1")).toBeDefined();
    expect(reg.transport.requests.at(-1)?.authorization).toBe("Bearer s3cret-token");
  });
});

describe("tags and resolve", () => {
  it("follows Link pages and returns every tag", async () => {
    const reg = fakeRegistry({ tagsPageSize: 3 });
    for (let i = 0; i < 10; i++)
      reg.addManifest("a/b", `t${i}`, { ...manifest, annotations: { i: String(i) } }, OCI_MANIFEST);
    const client = new Client({ transport: reg.transport, store: noStore });
    const tags = await client.registry(reg.origin).repo("a/b").tags();
    expect(tags).toEqual(Array.from({ length: 10 }, (_, i) => `t${i}`));
    expect(reg.transport.requests.filter((r) => r.url.includes("/tags/list")).length).toBe(4);
  });

  it("treats tags: null as no tags", async () => {
    const reg = fakeRegistry();
    reg.tags.set("a/b", new Map());
    const client = new Client({ transport: reg.transport, store: noStore });
    expect(await client.registry(reg.origin).repo("a/b").tags()).toEqual([]);
  });

  it("falls back to GET when HEAD has no Docker-Content-Digest, and hashes the body", async () => {
    const reg = fakeRegistry({ omitDigestOnHead: true });
    const desc = reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
    const client = new Client({ transport: reg.transport, store: noStore });
    expect(await client.registry(reg.origin).repo("a/b").resolve("v1")).toEqual(desc);
    expect(reg.transport.requests.map((r) => r.method)).toEqual(["HEAD", "GET"]);
  });

  it("resolves undefined and logs MANIFEST_UNKNOWN for a missing tag", async () => {
    const reg = fakeRegistry();
    const { logger, errors } = recordingLogger();
    const client = new Client({ transport: reg.transport, store: noStore, logger });
    expect(await client.registry(reg.origin).repo("a/b").resolve("nope")).toBeUndefined();
    expect(errors.at(-1)?.code).toBe("MANIFEST_UNKNOWN");
  });

  it("returns CLOSED failures after close()", async () => {
    const reg = fakeRegistry();
    reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
    const { logger, errors } = recordingLogger();
    const client = new Client({ transport: reg.transport, store: noStore, logger });
    const repo = client.registry(reg.origin).repo("a/b");
    await client.close();
    expect(await repo.resolve("v1")).toBeUndefined();
    expect(errors.at(-1)?.code).toBe("CLOSED");
  });
});
