// login and logout storage: config.json written as docker writes it (mode 0600, other fields kept, other spellings
// of the host replaced), the helper when one is configured, and the file replaced safely (issue 19): the temp file
// is created exclusively under a name nobody can plant, and a symlinked config.json stays a symlink.
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCKER_HUB_KEY, dockerCredentials, eraseCredentials, storeCredentials } from "../src/index.js";
import { base64, configDir, fileHelper, ociError, tempDir } from "./helpers.js";

const login = (username: string, password: string) => ({ type: "basic", username, password }) as const;
const read = (dir: string) => JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));

describe("storeCredentials and eraseCredentials in config.json", () => {
  it("writes mode 0600, keeps other fields, replaces other spellings of the host; erase removes them", async () => {
    const dir = configDir({
      auths: { "https://ghcr.io/v2/": { auth: base64("old:old") }, "quay.io": { auth: base64("q:q") } },
      proxies: { default: {} },
      credHelpers: { "other.example": "none" },
    });
    const options = { configDir: dir };
    const file = join(dir, "config.json");
    expect(await storeCredentials("ghcr.io", login("new", "pw"), options)).toEqual({ file });
    expect(await storeCredentials("registry-1.docker.io", login("hub", "pw"), options)).toEqual({ file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const config = read(dir);
    expect(config.proxies).toEqual({ default: {} });
    expect(config.credHelpers).toEqual({ "other.example": "none" });
    expect(Object.keys(config.auths).sort()).toEqual(["ghcr.io", DOCKER_HUB_KEY, "quay.io"]);
    expect(config.auths["ghcr.io"]).toEqual({ auth: base64("new:pw") });
    // Tab-indented as docker writes it, so a diff against docker's own output is small.
    expect(readFileSync(file, "utf8")).toMatch(/^\{\n\t"auths"/);
    expect(await dockerCredentials(options)("ghcr.io")).toEqual(login("new", "pw"));
    expect(await eraseCredentials("https://ghcr.io", options)).toBe(true);
    expect(await eraseCredentials("ghcr.io", options)).toBe(false);
    expect(Object.keys(read(dir).auths).sort()).toEqual([DOCKER_HUB_KEY, "quay.io"]);
  });

  it("stores a refresh token as identitytoken, read back as one", async () => {
    const dir = configDir({});
    await storeCredentials("reg.example", { type: "refresh-token", refreshToken: "r" }, { configDir: dir });
    expect(read(dir).auths).toEqual({ "reg.example": { identitytoken: "r" } });
    expect(await dockerCredentials({ configDir: dir })("reg.example")).toEqual({
      type: "refresh-token",
      refreshToken: "r",
    });
  });

  it("creates the directory (mode 0700) and the file when there is none; erase of nothing writes nothing", async () => {
    const dir = join(tempDir(), "nested", ".docker");
    expect(await eraseCredentials("localhost:5001", { configDir: dir })).toBe(false);
    expect(() => statSync(dir)).toThrow();
    await storeCredentials("localhost:5001", login("u", "p"), { configDir: dir });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(await dockerCredentials({ configDir: dir })("localhost:5001")).toEqual(login("u", "p"));
  });

  it.each([
    ["a bearer token", { type: "bearer", token: "t" }],
    ["an empty user name", login("", "p")],
    ["a colon in the user name", login("a:b", "p")],
    ["an empty refresh token", { type: "refresh-token", refreshToken: "" }],
    ["nothing", undefined],
  ])("refuses to store %s with INVALID_ARGUMENT, writing nothing", async (_what, credentials) => {
    const dir = configDir({});
    const error = await ociError(storeCredentials("reg.example", credentials as never, { configDir: dir }));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(readFileSync(join(dir, "config.json"), "utf8")).toBe("{}");
  });

  it("concurrent logins in one process never leave a corrupt file or a temp file behind", async () => {
    const dir = configDir({});
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => storeCredentials(`r${i}.example`, login("u", `p${i}`), { configDir: dir })),
    );
    // Each write is whole (the last one wins: docker has no lock either); JSON that parses, no temp left.
    expect(Object.keys(read(dir).auths).length).toBeGreaterThanOrEqual(1);
    expect(readdirSync(dir)).toEqual(["config.json"]);
  });
});

describe("replacing config.json safely (issue 19)", () => {
  it("a symlink planted at a predictable temp name never receives the credentials", async () => {
    const dir = configDir({});
    const attacker = join(tempDir(), "loot");
    // The names a temp file used to have (`config.json.<pid>.tmp`) and docker-style ones, all planted.
    const planted = [`config.json.${process.pid}.tmp`, "config.json.tmp", ".config.json.tmp", "config.json~"];
    for (const name of planted) symlinkSync(attacker, join(dir, name));
    await storeCredentials("reg.example", login("u", "s3cret"), { configDir: dir });
    expect(() => statSync(attacker)).toThrow(/ENOENT/);
    for (const name of planted) expect(readlinkSync(join(dir, name))).toBe(attacker);
    expect(lstatSync(join(dir, "config.json")).isFile()).toBe(true);
    expect(await dockerCredentials({ configDir: dir })("reg.example")).toEqual(login("u", "s3cret"));
  });

  it.each([
    ["absolute", (target: string) => target],
    ["relative", () => "../real/config.json"],
  ])("a symlinked config.json (%s) stays a symlink; its target is replaced, mode 0600", async (_kind, link) => {
    const root = tempDir();
    mkdirSync(join(root, "real"));
    const target = join(root, "real", "config.json");
    writeFileSync(target, JSON.stringify({ auths: { "quay.io": { auth: base64("q:q") } }, other: 1 }), { mode: 0o644 });
    const dir = join(root, "docker");
    mkdirSync(dir);
    symlinkSync(link(target), join(dir, "config.json"));
    await storeCredentials("reg.example", login("u", "p"), { configDir: dir });
    expect(lstatSync(join(dir, "config.json")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, "config.json"))).toBe(link(target));
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(target, "utf8"))).toEqual({
      auths: { "quay.io": { auth: base64("q:q") }, "reg.example": { auth: base64("u:p") } },
      other: 1,
    });
    // No temp file left in either directory.
    expect(readdirSync(dir)).toEqual(["config.json"]);
    expect(readdirSync(join(root, "real"))).toEqual(["config.json"]);
    await eraseCredentials("quay.io", { configDir: dir });
    expect(lstatSync(join(dir, "config.json")).isSymbolicLink()).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(target, "utf8")).auths)).toEqual(["reg.example"]);
  });

  it("a chain of symlinks, and a dangling one, are followed to the file they name", async () => {
    const root = tempDir();
    const final = join(root, "final.json");
    symlinkSync(final, join(root, "middle.json"));
    const dir = join(root, "docker");
    mkdirSync(dir);
    symlinkSync(join(root, "middle.json"), join(dir, "config.json"));
    // Dangling: final.json does not exist yet; the login creates it, the links stay.
    await storeCredentials("reg.example", login("u", "p"), { configDir: dir });
    expect(lstatSync(join(root, "middle.json")).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, "config.json")).isSymbolicLink()).toBe(true);
    expect(statSync(final).mode & 0o777).toBe(0o600);
    expect(await dockerCredentials({ configDir: dir })("reg.example")).toEqual(login("u", "p"));
  });

  it("a symlink loop is STORE naming the file, not a hang or a crash", async () => {
    const dir = tempDir();
    symlinkSync(join(dir, "config.json"), join(dir, "config.json"));
    const error = await ociError(storeCredentials("reg.example", login("u", "p"), { configDir: dir }));
    expect(error.code).toBe("STORE");
    expect(error.message).toContain(join(dir, "config.json"));
  });
});

describe("storeCredentials and eraseCredentials with a credential helper", () => {
  it("stores in credHelpers' helper or credsStore, never in the file; erase removes from helper and file", async () => {
    const data = tempDir();
    const dir = configDir({ credsStore: "file", auths: { "reg.example": { auth: base64("stale:stale") } } });
    const options = { configDir: dir, helpers: { file: fileHelper(data) } };
    expect(await storeCredentials("reg.example", login("u", "p"), options)).toEqual({ helper: "file" });
    expect(await storeCredentials("docker.io", { type: "refresh-token", refreshToken: "r" }, options)).toEqual({
      helper: "file",
    });
    expect(read(dir)).toEqual({ credsStore: "file", auths: { "reg.example": { auth: base64("stale:stale") } } });
    expect(await dockerCredentials(options)("reg.example")).toEqual(login("u", "p"));
    expect(await dockerCredentials(options)("docker.io")).toEqual({ type: "refresh-token", refreshToken: "r" });
    const log = readFileSync(join(data, "log"), "utf8");
    expect(log).toContain('store {"ServerURL":"reg.example","Username":"u","Secret":"p"}\n');
    expect(log).toContain(`store {"ServerURL":"${DOCKER_HUB_KEY}","Username":"<token>","Secret":"r"}\n`);
    expect(await eraseCredentials("reg.example", options)).toBe(true);
    expect(read(dir)).toEqual({ credsStore: "file", auths: {} });
    expect(await eraseCredentials("reg.example", options)).toBe(false);
  });

  it("a helper that fails to store is the operation's error (nothing written to the file instead)", async () => {
    const dir = configDir({ credHelpers: { "reg.example": "broken" } });
    const options = { configDir: dir, helpers: { broken: join(tempDir(), "absent") } };
    const error = await ociError(storeCredentials("reg.example", login("u", "p"), options));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(read(dir)).toEqual({ credHelpers: { "reg.example": "broken" } });
  });
});
