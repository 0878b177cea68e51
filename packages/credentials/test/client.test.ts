// The provider's answers with @toci/client against real registries (distribution 2.8.2, htpasswd and token modes):
// Basic from `auths`, a refresh token from `identitytoken`, Basic from a credential helper, and login/logout state
// round-tripping. Then the provider itself as the client's `auth`: looked up only when a registry asks, once, and
// again after a refusal (a `docker login` in between is seen without a new client); `DOCKER_CONFIG` read when no
// configDir is given; a mirror gets its own host's credentials. Also the type-level promise: an answer is a member
// of the client's `Auth`, and a provider is what the client accepts in `auth`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Auth, Client, type CredentialProvider as ClientProvider } from "@toci/client";
import { strict } from "@toci/client/strict";
import { memoryStore } from "@toci/store-memory";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { nodeTransport } from "@toci/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CredentialProvider, type Credentials, dockerCredentials, storeCredentials } from "../src/index.js";
import { base64, configDir, fileHelper, helperEntry, tempDir } from "./helpers.js";

// Compile-time: every answer is an Auth; a provider is the client's CredentialProvider, so an Auth itself.
const answerIsAuth = (credentials: Credentials): Auth => credentials;
const providerFits = (provider: CredentialProvider): ClientProvider => provider;
const providerIsAuth = (provider: CredentialProvider): Auth => provider;

let htpasswd: RunningRegistry;
let token: RunningRegistry;
const fixture = ociImage({ seed: "credentials-client" });

beforeAll(async () => {
  [htpasswd, token] = await Promise.all([startRegistry({ auth: "htpasswd" }), startRegistry({ auth: "token" })]);
  for (const registry of [htpasswd, token]) {
    await pushFixture(fixture, { url: registry.url, repo: "cred/app", tag: "v1", credentials: registry.credentials });
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([htpasswd?.stop(), token?.stop()]);
});

/** A refresh token from the token registry's token server (what `docker login` keeps as `identitytoken`). */
async function refreshToken(): Promise<string> {
  const { url, service } = token.token!;
  const { username, password } = token.credentials!;
  const response = await fetch(`${url}/token?service=${encodeURIComponent(service)}&offline_token=true`, {
    headers: { authorization: `Basic ${base64(`${username}:${password}`)}` },
  });
  return ((await response.json()) as { refresh_token: string }).refresh_token;
}

/** Resolves `cred/app:v1` on a registry with what `provider` answers for its host (anonymous when nothing). */
async function resolveWith(provider: CredentialProvider, registry: RunningRegistry) {
  const credentials = await provider(registry.host);
  await using client = new Client({ transport: nodeTransport(), store: memoryStore() });
  const auth = credentials ? answerIsAuth(credentials) : ({ type: "anonymous" } as const);
  return (await client.registry(registry.url, { auth }).repo("cred/app").resolve("v1"))?.digest;
}

describe("dockerCredentials with @toci/client", () => {
  it("Basic from auths under the spellings docker and others write", async () => {
    const { username, password } = htpasswd.credentials!;
    for (const key of [htpasswd.host, `http://${htpasswd.host}`, `https://${htpasswd.host}/v2/`]) {
      const provider = dockerCredentials({
        configDir: configDir({ auths: { [key]: { auth: base64(`${username}:${password}`) } } }),
      });
      expect(await resolveWith(provider, htpasswd)).toBe(fixture.root.digest);
    }
    // Nothing for this host: anonymous, refused.
    expect(await resolveWith(dockerCredentials({ configDir: configDir({}) }), htpasswd)).toBeUndefined();
  });

  it("a refresh token from identitytoken is exchanged at the token server", async () => {
    const refresh = await refreshToken();
    expect(refresh).toBeTruthy();
    const dir = configDir({ auths: { [token.host]: { identitytoken: refresh } } });
    const before = token.tokenServer!.requests.length;
    expect(await resolveWith(dockerCredentials({ configDir: dir }), token)).toBe(fixture.root.digest);
    expect(token.tokenServer!.requests.slice(before).map((r) => r.grant)).toContain("refresh_token");
  });

  it("Basic from a credential helper, stored there by storeCredentials", async () => {
    const data = tempDir();
    const helpers = { file: fileHelper(data) };
    const options = { configDir: configDir({ credHelpers: { [htpasswd.host]: "file" } }), helpers };
    expect(await resolveWith(dockerCredentials(options), htpasswd)).toBeUndefined();
    await storeCredentials(htpasswd.host, { type: "basic", ...htpasswd.credentials! }, options);
    expect(await resolveWith(dockerCredentials(options), htpasswd)).toBe(fixture.root.digest);
    helperEntry(data, htpasswd.host, htpasswd.credentials!.username, "wrong");
    expect(await resolveWith(dockerCredentials(options), htpasswd)).toBeUndefined();
  });
});

/** How many times the file helper was asked for credentials (`get` lines in its log). */
const lookups = (data: string) => {
  try {
    return readFileSync(join(data, "log"), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("get ")).length;
  } catch {
    return 0;
  }
};

describe("dockerCredentials() as the client's auth", () => {
  it("is looked up only when the registry asks, once, and again after a refusal (a docker login in between)", async () => {
    const data = tempDir();
    const helpers = { file: fileHelper(data) };
    const dir = configDir({ credsStore: "file" });
    helperEntry(data, htpasswd.host, htpasswd.credentials!.username, "stale-password");
    await using client = new Client({ transport: nodeTransport(), store: memoryStore() });
    const repo = client
      .registry(htpasswd.url, {
        auth: providerIsAuth(dockerCredentials({ configDir: dir, helpers })),
      })
      .repo("cred/app");
    // The stale password: looked up on the first 401, refused.
    const error = await strict(repo)
      .resolve("v1")
      .catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("UNAUTHORIZED");
    expect(lookups(data)).toBe(1);
    // `docker login` stores the right one; the same client asks again, since the last answer was refused.
    helperEntry(data, htpasswd.host, htpasswd.credentials!.username, htpasswd.credentials!.password);
    expect((await repo.resolve("v1"))?.digest).toBe(fixture.root.digest);
    expect(lookups(data)).toBe(2);
    // Accepted: kept. Three more calls, no more lookups.
    for (let i = 0; i < 3; i++) expect((await repo.resolve("v1"))?.digest).toBe(fixture.root.digest);
    expect(lookups(data)).toBe(2);
  });

  it("reads $DOCKER_CONFIG when no configDir is given: a refresh token exchanged at a token registry", async () => {
    const refresh = await refreshToken();
    const saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = configDir({ auths: { [token.host]: { identitytoken: refresh } } });
    try {
      await using client = new Client({ transport: nodeTransport(), store: memoryStore() });
      const repo = client.registry(token.url, { auth: providerFits(dockerCredentials()) }).repo("cred/app");
      expect((await repo.resolve("v1"))?.digest).toBe(fixture.root.digest);
      expect(await repo.tags()).toEqual(["v1"]);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
    }
  });

  it("gives a mirror the mirror's own credentials from the same config", async () => {
    // The image is on the mirror (htpasswd) only; the upstream (token) lacks it: a pull that works came from the
    // mirror, with the mirror's credentials (the upstream's would be refused there).
    const repo = "cred/mirrored";
    await pushFixture(fixture, { url: htpasswd.url, repo, tag: "v1", credentials: htpasswd.credentials });
    const entry = ({ username, password }: { username: string; password: string }) => ({
      auth: base64(`${username}:${password}`),
    });
    const dir = configDir({
      auths: { [htpasswd.host]: entry(htpasswd.credentials!), [token.host]: entry(token.credentials!) },
    });
    const store = memoryStore();
    await using client = new Client({ transport: nodeTransport(), store });
    const registry = client.registry(token.url, {
      auth: dockerCredentials({ configDir: dir }),
      mirrors: [htpasswd.url],
    });
    let last: unknown;
    for await (const event of registry.repo(repo).pull("v1")) last = event;
    expect(last).toMatchObject({ type: "progress", percent: 100 });
    expect(await store.exists(fixture.root)).toBe(true);
  });
});
