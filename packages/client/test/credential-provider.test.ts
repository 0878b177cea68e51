// A credential provider in `auth` (a function of the registry host): asked lazily on the first 401, once for
// concurrent requests, again after the registry or its token server refuses what it answered or once its answer's
// `expiresAt` has passed, and never otherwise; Basic, bearer and refresh-token answers; hostile answers refused
// without their secrets in the message. Against the in-memory registry of test/helpers (the real registries, with
// @toci/credentials' dockerCredentials, are in packages/credentials/test/client.test.ts).
import { isOciError, OCI_MANIFEST } from "@toci/spec-types";
import { describe, expect, it } from "vitest";
import { Client, type CredentialProvider, type Logger, type ProvidedCredentials } from "../src/index.js";
import { strict } from "../src/strict.js";
import { fakeRegistry } from "./helpers/fake-registry.js";

const noStore = {} as never; // these tests never touch the store

const manifest = {
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${"a".repeat(64)}`, size: 2 },
  layers: [],
};

/** A provider that answers from a list (the last answer repeats) and records the hosts it was asked about. */
function scripted(...answers: (ProvidedCredentials | undefined)[]) {
  const asked: string[] = [];
  const provider: CredentialProvider = async (host) => {
    asked.push(host);
    return answers[Math.min(asked.length - 1, answers.length - 1)];
  };
  return { provider, asked };
}

function setUp(mode: "basic" | "token" | "none", users: Record<string, string> = { alice: "secret" }) {
  const reg = fakeRegistry({ auth: mode, users });
  const desc = reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
  const errors: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (message) => errors.push(message) };
  const client = new Client({ transport: reg.transport, store: noStore, logger });
  return { reg, desc, client, errors };
}

const alice = { type: "basic", username: "alice", password: "secret" } as const;

describe("a credential provider in auth", () => {
  it("is not asked while the registry asks for nothing", async () => {
    const { reg, desc, client } = setUp("none");
    const { provider, asked } = scripted(alice);
    const repo = client.registry(reg.origin, { auth: provider }).repo("a/b");
    expect((await repo.resolve("v1"))?.digest).toBe(desc.digest);
    expect((await repo.resolve("v1"))?.digest).toBe(desc.digest);
    expect(asked).toEqual([]);
    expect(reg.transport.requests.every((r) => r.authorization === null)).toBe(true);
  });

  it("is asked once, with the registry's host[:port], on the first 401 of many concurrent requests (Basic)", async () => {
    const { reg, desc, client } = setUp("basic");
    const { provider, asked } = scripted(alice);
    const repo = client.registry(reg.origin, { auth: provider }).repo("a/b");
    const got = await Promise.all(Array.from({ length: 8 }, () => repo.resolve("v1")));
    expect(got.every((d) => d?.digest === desc.digest)).toBe(true);
    await repo.resolve("v1");
    expect(asked).toEqual(["127.0.0.1:5999"]);
  });

  it("answers a Bearer challenge: its Basic credentials go to the token server, once per scope", async () => {
    const { reg, desc, client } = setUp("token");
    const { provider, asked } = scripted(alice);
    const repo = client.registry(reg.origin, { auth: provider }).repo("a/b");
    expect((await repo.resolve("v1"))?.digest).toBe(desc.digest);
    expect((await repo.resolve("v1"))?.digest).toBe(desc.digest);
    expect(asked).toHaveLength(1);
    expect(reg.tokenRequests).toHaveLength(1);
  });

  it("answers undefined: anonymous, and the registry's anonymous token flow goes on", async () => {
    const { reg, desc, client } = setUp("token");
    const { provider, asked } = scripted(undefined);
    expect((await client.registry(reg.origin, { auth: provider }).repo("a/b").resolve("v1"))?.digest).toBe(desc.digest);
    expect(asked).toHaveLength(1);
  });

  it("is asked again when the registry refuses its answer (a rotated password), and the new one used", async () => {
    const { reg, desc, client } = setUp("basic");
    const { provider, asked } = scripted({ ...alice, password: "old" }, alice);
    const repo = client.registry(reg.origin, { auth: provider }).repo("a/b");
    // The first 401 asks (old password); its retry is refused: that is one request's one retry spent.
    expect(await repo.resolve("v1")).toBeUndefined();
    expect((await repo.resolve("v1"))?.digest).toBe(desc.digest);
    expect(asked).toHaveLength(2);
    expect((await repo.resolve("v1"))?.digest).toBe(desc.digest);
    expect(asked).toHaveLength(2);
  });

  it("is asked again when the token server refuses its answer, and the request succeeds with the new one", async () => {
    const { reg, desc, client } = setUp("token");
    const { provider, asked } = scripted({ ...alice, password: "old" }, alice);
    const repo = client.registry(reg.origin, { auth: provider }).repo("a/b");
    expect((await repo.resolve("v1"))?.digest).toBe(desc.digest);
    expect(asked).toHaveLength(2);
    // The same refusal twice is final: UNAUTHORIZED, after one more lookup only.
    const stubborn = scripted({ ...alice, password: "old" });
    const { client: other } = setUp("token");
    const error = await strict(other.registry(reg.origin, { auth: stubborn.provider }).repo("a/b"))
      .resolve("v1")
      .catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("UNAUTHORIZED");
    expect(stubborn.asked).toHaveLength(2);
  });

  it("is asked again after a refused token, once for every request refused with it", async () => {
    const { reg, desc, client } = setUp("token");
    const { provider, asked } = scripted(alice);
    const repo = client.registry(reg.origin, { auth: provider }).repo("a/b");
    expect((await repo.resolve("v1"))?.digest).toBe(desc.digest);
    reg.revoke("tok1");
    const got = await Promise.all(Array.from({ length: 6 }, () => repo.resolve("v1")));
    expect(got.every((d) => d?.digest === desc.digest)).toBe(true);
    expect(asked).toHaveLength(2);
  });

  it("keeps an answer no longer than its expiresAt", async () => {
    const { reg, desc, client } = setUp("basic");
    const { provider, asked } = scripted({ ...alice, expiresAt: Date.now() - 1 });
    const repo = client.registry(reg.origin, { auth: provider }).repo("a/b");
    expect((await repo.resolve("v1"))?.digest).toBe(desc.digest);
    const before = asked.length;
    expect((await repo.resolve("v1"))?.digest).toBe(desc.digest);
    expect(asked.length).toBeGreaterThan(before);
    // A live expiresAt is kept like an answer without one.
    const live = scripted({ ...alice, expiresAt: Date.now() + 3_600_000 });
    const again = client.registry(reg.origin, { auth: live.provider }).repo("a/b");
    await again.resolve("v1");
    await again.resolve("v1");
    expect(live.asked).toHaveLength(1);
  });

  it("exchanges a refresh-token answer at the token server (POST)", async () => {
    const { reg, desc, client } = setUp("token");
    const { provider } = scripted({ type: "refresh-token", refreshToken: "refresh-me" });
    expect((await client.registry(reg.origin, { auth: provider }).repo("a/b").resolve("v1"))?.digest).toBe(desc.digest);
    expect(reg.tokenRequests).toHaveLength(1);
  });

  it("sends a bearer answer as it is, after the registry asked", async () => {
    const { reg, client } = setUp("basic");
    const { provider } = scripted({ type: "bearer", token: "given-token" });
    await client.registry(reg.origin, { auth: provider }).repo("a/b").resolve("v1");
    const sent = reg.transport.requests.map((r) => r.authorization);
    expect(sent[0]).toBeNull();
    expect(sent).toContain("Bearer given-token");
  });

  it("fails the request with what it rejects with; anything but an OciError becomes UNAUTHORIZED", async () => {
    const { reg, client } = setUp("basic");
    const failing: CredentialProvider = async () => {
      throw new Error("keychain locked");
    };
    const error = await strict(client.registry(reg.origin, { auth: failing }).repo("a/b"))
      .resolve("v1")
      .catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("UNAUTHORIZED");
    expect(isOciError(error) && (error.cause as Error).message).toBe("keychain locked");
  });

  it("refuses an answer that is not credentials, without quoting it", async () => {
    const { reg, client } = setUp("basic");
    for (const answer of [{ type: "basic", username: "alice" }, { type: "bearer", token: "" }, "secret-value", 42]) {
      const provider = (async () => answer) as unknown as CredentialProvider;
      const error = await strict(client.registry(reg.origin, { auth: provider }).repo("a/b"))
        .resolve("v1")
        .catch((e: unknown) => e);
      expect(isOciError(error) && error.code).toBe("INVALID_ARGUMENT");
      expect(String((error as Error).message)).not.toContain("secret-value");
    }
  });

  it("never sends its Basic answer over plain HTTP to a host that is not loopback", async () => {
    const reg = fakeRegistry({ auth: "basic", origin: "http://registry.example" });
    reg.addManifest("a/b", "v1", manifest, OCI_MANIFEST);
    const client = new Client({ transport: reg.transport, store: noStore });
    const { provider } = scripted(alice);
    const error = await strict(client.registry(reg.origin, { auth: provider }).repo("a/b"))
      .resolve("v1")
      .catch((e: unknown) => e);
    expect(isOciError(error) && error.code).toBe("UNAUTHORIZED");
    expect(reg.transport.requests.every((r) => r.authorization === null)).toBe(true);
  });
});
