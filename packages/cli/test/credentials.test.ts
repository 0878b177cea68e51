// docker config.json quirks without a registry (docs/architecture.md §7): Docker Hub's key, keys with schemes and
// paths, identitytoken, and writing the file (mode 0600, other fields kept, other spellings of the host replaced).
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registryName } from "../src/context.js";
import {
  DOCKER_HUB_KEY,
  dockerConfigPath,
  dockerCredentials,
  eraseCredentials,
  normalizeHost,
  serverKey,
  storeCredentials,
} from "../src/credentials.js";
import { dockerConfig, tempDir } from "./helpers.js";

const auth = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString("base64");

describe("docker config", () => {
  it("normalises keys to hosts, and Docker Hub's names to docker.io", () => {
    expect(normalizeHost("https://index.docker.io/v1/")).toBe("docker.io");
    expect(normalizeHost("registry-1.docker.io")).toBe("docker.io");
    expect(normalizeHost("http://LocalHost:5000/v2/")).toBe("localhost:5000");
    expect(serverKey("docker.io")).toBe(DOCKER_HUB_KEY);
    expect(serverKey("index.docker.io")).toBe(DOCKER_HUB_KEY);
    expect(serverKey("ghcr.io")).toBe("ghcr.io");
  });

  it("names a registry given on the command line as references do: index.docker.io is docker.io", () => {
    expect(registryName("https://index.docker.io")).toEqual({ host: "docker.io", scheme: "https" });
    expect(registryName("Index.Docker.IO")).toEqual({ host: "docker.io", scheme: undefined });
    expect(registryName("http://localhost:5000/")).toEqual({ host: "localhost:5000", scheme: "http" });
  });

  it("finds Docker Hub credentials under https://index.docker.io/v1/", async () => {
    const env = { DOCKER_CONFIG: dockerConfig({ auths: { [DOCKER_HUB_KEY]: { auth: auth("hub", "secret") } } }) };
    expect(await dockerCredentials("docker.io", env)).toEqual({ type: "basic", username: "hub", password: "secret" });
    expect(await dockerCredentials("ghcr.io", env)).toBeUndefined();
  });

  it("reads username/password fields and identitytoken", async () => {
    const env = {
      DOCKER_CONFIG: dockerConfig({
        auths: {
          "https://a.example/": { username: "u", password: "p" },
          "b.example": { auth: auth("ignored", "x"), identitytoken: "refresh-me" },
        },
      }),
    };
    expect(await dockerCredentials("a.example", env)).toEqual({ type: "basic", username: "u", password: "p" });
    expect(await dockerCredentials("b.example", env)).toEqual({ type: "refresh-token", refreshToken: "refresh-me" });
  });

  it("writes config.json with mode 0600, keeping other fields and replacing other spellings of the host", async () => {
    const dir = dockerConfig({
      auths: { "https://ghcr.io/v2/": { auth: auth("old", "old") }, "quay.io": { auth: auth("q", "q") } },
      proxies: { default: {} },
    });
    const env = { DOCKER_CONFIG: dir };
    expect(await storeCredentials("ghcr.io", "new", "pw", env)).toEqual({ file: join(dir, "config.json") });
    expect(await storeCredentials("docker.io", "hub", "pw", env)).toEqual({ file: join(dir, "config.json") });
    const file = dockerConfigPath(env);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const config = JSON.parse(readFileSync(file, "utf8"));
    expect(config.proxies).toEqual({ default: {} });
    expect(Object.keys(config.auths).sort()).toEqual(["ghcr.io", DOCKER_HUB_KEY, "quay.io"]);
    expect(await dockerCredentials("ghcr.io", env)).toEqual({ type: "basic", username: "new", password: "pw" });
    expect(await eraseCredentials("https://ghcr.io", env)).toBe(true);
    expect(await eraseCredentials("ghcr.io", env)).toBe(false);
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")).auths).sort()).toEqual([DOCKER_HUB_KEY, "quay.io"]);
  });

  it("creates the directory and file when there is none", async () => {
    const env = { DOCKER_CONFIG: join(tempDir(), "nested", ".docker") };
    await storeCredentials("localhost:5001", "u", "p", env);
    expect(statSync(join(env.DOCKER_CONFIG)).mode & 0o777).toBe(0o700);
    expect(await dockerCredentials("localhost:5001", env)).toEqual({ type: "basic", username: "u", password: "p" });
  });
});
