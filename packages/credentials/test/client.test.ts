// The provider's answers with @toci/client against real registries (distribution 2.8.2, htpasswd and token modes):
// Basic from `auths`, a refresh token from `identitytoken`, Basic from a credential helper, and login/logout state
// round-tripping. Also the type-level promise: an answer is a member of the client's `Auth`, and a provider is what
// the client will accept in `auth` (a function of the host, with an optional signal).
import { type Auth, Client } from "@toci/client";
import { memoryStore } from "@toci/store-memory";
import { ociImage, pushFixture } from "@toci/testkit/fixtures";
import { type RunningRegistry, startRegistry } from "@toci/testkit/registry";
import { nodeTransport } from "@toci/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CredentialProvider, type Credentials, dockerCredentials, storeCredentials } from "../src/index.js";
import { base64, configDir, fileHelper, helperEntry, tempDir } from "./helpers.js";

// Compile-time: every answer is an Auth; a provider fits the function type the client is to accept.
type ClientProvider = (
  host: string,
  request?: { signal?: AbortSignal },
) => Promise<Exclude<Auth, { type: "anonymous" }> | undefined>;
const answerIsAuth = (credentials: Credentials): Auth => credentials;
const providerFits = (provider: CredentialProvider): ClientProvider => provider;

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
      expect(await resolveWith(providerFits(provider), htpasswd)).toBe(fixture.root.digest);
    }
    // Nothing for this host: anonymous, refused.
    expect(await resolveWith(dockerCredentials({ configDir: configDir({}) }), htpasswd)).toBeUndefined();
  });

  it("a refresh token from identitytoken is exchanged at the token server", async () => {
    const { url, service } = token.token!;
    const { username, password } = token.credentials!;
    const response = await fetch(`${url}/token?service=${encodeURIComponent(service)}&offline_token=true`, {
      headers: { authorization: `Basic ${base64(`${username}:${password}`)}` },
    });
    const { refresh_token: refresh } = (await response.json()) as { refresh_token: string };
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
