// config.json from broken or hostile hands: whatever the file holds, reading gives credentials, none, or an OciError
// that names the file, never another exception. As oras-go does, the file's own shape is checked on every read,
// and an entry only when it is the one looked up, so that another registry's broken entry never breaks this one.
import { execFileSync } from "node:child_process";
import { readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dockerCredentials, eraseCredentials, storeCredentials } from "../src/index.js";
import { base64, configDir, ociError, tempDir } from "./helpers.js";

const GOOD = { auth: base64("user:pass") };
const ops = (dir: string) => [
  () => dockerCredentials({ configDir: dir })("reg.example"),
  () => storeCredentials("reg.example", { type: "basic", username: "u", password: "p" }, { configDir: dir }),
  () => eraseCredentials("reg.example", { configDir: dir }),
];

describe("config.json of the wrong shape", () => {
  it("an empty file, blank, `null`, or no file at all is an empty config", async () => {
    for (const text of ["", " \n", "null"]) {
      expect(await dockerCredentials({ configDir: configDir(text) })("reg.example")).toBeUndefined();
    }
    expect(await dockerCredentials({ configDir: join(tempDir(), "none") })("reg.example")).toBeUndefined();
  });

  it.each([
    ["not JSON", "{auths:", /is not valid JSON/],
    ["an array", "[]", /is not a JSON object/],
    ["a number", "42", /is not a JSON object/],
    ["auths a string", '{"auths":"reg.example"}', /`auths` that is not an object/],
    ["auths an array", '{"auths":[{"auth":"dTpw"}]}', /`auths` that is not an object/],
    ["credsStore a number", '{"credsStore":1}', /`credsStore` that is not a string/],
    ["credHelpers an array", '{"credHelpers":["x"]}', /`credHelpers` that is not an object of strings/],
    [
      "a credHelpers value an object",
      '{"credHelpers":{"reg.example":{}}}',
      /credHelpers\["reg.example"\] is not a string/,
    ],
  ])("a file that is %s: INVALID_ARGUMENT naming the file, on read, login and logout", async (_what, text, message) => {
    const dir = configDir(text);
    const path = join(dir, "config.json");
    for (const op of ops(dir)) {
      const error = await ociError(op());
      expect(error.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toContain(path);
      expect(error.message).toMatch(message);
    }
    // Login and logout refused to rewrite it: the user's file is as it was.
    expect(readFileSync(path, "utf8")).toBe(text);
  });

  it("a JSON syntax error says where the file is, never a piece of its text (V8 quotes it)", async () => {
    const error = await ociError(dockerCredentials({ configDir: configDir('{"auths":{"r":{"auth":s3cret}}}') })("r"));
    expect(error.message).not.toContain("s3cret");
    expect(error.cause).toBeUndefined();
  });

  it("a broken credHelpers entry for another registry breaks nothing here", async () => {
    const dir = configDir({ credHelpers: { "other.example": 5 }, auths: { "reg.example": GOOD } });
    expect(await dockerCredentials({ configDir: dir })("reg.example")).toEqual({
      type: "basic",
      username: "user",
      password: "pass",
    });
  });
});

describe("auths entries that are malformed", () => {
  it.each([
    ["auth a number", { auth: 5 }, /\.auth is not a string/],
    ["auth not base64", { auth: "!!!not base64" }, /\.auth is not the base64/],
    ["auth without a colon", { auth: base64("user") }, /\.auth is not the base64/],
    ["auth with an empty user name", { auth: base64(":pw") }, /\.auth is not the base64/],
    ["identitytoken an object", { identitytoken: {} }, /\.identitytoken is not a string/],
    ["registrytoken a list", { registrytoken: ["t"] }, /\.registrytoken is not a string/],
    ["password a number", { username: "u", password: 1 }, /\.password is not a string/],
    ["the entry a string", "user:pass", /is not an object/],
  ])("an entry with %s fails for its registry only, naming file and key", async (_what, bad, message) => {
    const dir = configDir({ auths: { "https://bad.example/v2/": bad, "good.example": GOOD } });
    const credentials = dockerCredentials({ configDir: dir });
    const error = await ociError(credentials("bad.example"));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain(join(dir, "config.json"));
    expect(error.message).toContain('auths["https://bad.example/v2/"]');
    expect(error.message).toMatch(message);
    expect(await credentials("good.example")).toEqual({ type: "basic", username: "user", password: "pass" });
    // And login over the broken entry replaces it.
    await storeCredentials("bad.example", { type: "basic", username: "new", password: "pw" }, { configDir: dir });
    expect(await credentials("bad.example")).toEqual({ type: "basic", username: "new", password: "pw" });
  });

  it("a key's user info is not printed (a key may be spelled https://user:password@host)", async () => {
    const dir = configDir({ auths: { "https://me:s3cret@bad.example/": { auth: 5 } } });
    // Such a key names `me:s3cret@bad.example` (docker keeps user info), so that is what is asked for.
    const error = await ociError(dockerCredentials({ configDir: dir })("https://me:s3cret@bad.example"));
    expect(error.message).toContain('auths["https://…@bad.example/"]');
    expect(error.message).not.toContain("s3cret");
  });

  it("keys like __proto__ and constructor are registries like any other: found, kept on login, never a prototype", async () => {
    const dir = configDir(`{"auths":{"__proto__":${JSON.stringify(GOOD)},"constructor":{"auth":"${base64("c:d")}"}}}`);
    const credentials = dockerCredentials({ configDir: dir });
    expect(await credentials("constructor")).toEqual({ type: "basic", username: "c", password: "d" });
    expect(await credentials("__proto__")).toEqual({ type: "basic", username: "user", password: "pass" });
    expect(await credentials("toString")).toBeUndefined();
    await storeCredentials("reg.example", { type: "basic", username: "u", password: "p" }, { configDir: dir });
    await eraseCredentials("constructor", { configDir: dir });
    const written = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { auths: Record<string, unknown> };
    expect(Object.keys(written.auths).sort()).toEqual(["__proto__", "reg.example"]);
    expect(Object.getPrototypeOf(written.auths)).toBe(Object.prototype);
  });
});

describe("files that are too much", () => {
  it("a file over 16 MiB is refused unread with TOO_LARGE naming it (here 1 GiB, sparse)", async () => {
    const dir = configDir("");
    truncateSync(join(dir, "config.json"), 1024 ** 3);
    for (const op of ops(dir)) {
      const error = await ociError(op());
      expect(error.code).toBe("TOO_LARGE");
      expect(error.message).toContain(join(dir, "config.json"));
    }
  });

  it("a FIFO, or a symlink to /dev/zero, is refused as not a regular file (it would block or never end)", async () => {
    const fifo = tempDir();
    execFileSync("mkfifo", [join(fifo, "config.json")]);
    const zero = tempDir();
    symlinkSync("/dev/zero", join(zero, "config.json"));
    for (const dir of [fifo, zero]) {
      for (const op of ops(dir)) {
        const error = await ociError(op());
        expect(error.code).toBe("INVALID_ARGUMENT");
        expect(error.message).toBe(`${join(dir, "config.json")} is not a regular file`);
      }
    }
  });

  it("a field nested too deep to write back fails login with STORE, not a RangeError", async () => {
    const dir = configDir(`{"x":${"[".repeat(20_000)}${"]".repeat(20_000)}}`);
    expect(await dockerCredentials({ configDir: dir })("reg.example")).toBeUndefined();
    const [, store] = ops(dir);
    expect((await ociError(store!())).code).toBe("STORE");
  });

  it("a config directory that is a file: STORE naming it", async () => {
    const file = join(tempDir(), "not-a-dir");
    writeFileSync(file, "");
    for (const op of ops(file)) expect((await ociError(op())).code).toBe("STORE");
  });
});
