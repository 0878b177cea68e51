// docker config.json from broken or hostile hands (issue 9, fuzzing): whatever the file holds, reading credentials
// gives credentials, none, or an OciError that names the file, never another exception. As oras-go does, the
// file's own shape (JSON object; `auths`, `credsStore`, `credHelpers` of the right types) is checked on every read,
// and an `auths` entry only when it is the one looked up, so that another registry's broken entry never breaks
// this one.
import { chmodSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isOciError } from "@toci/spec-types";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { dockerCredentials, eraseCredentials, storeCredentials } from "../src/credentials.js";
import { dockerConfig, tempDir } from "./helpers.js";

const auth = (text: string) => Buffer.from(text).toString("base64");
const GOOD = { auth: auth("user:pass") };

/** A DOCKER_CONFIG directory whose config.json holds exactly `bytes`. */
function rawConfig(bytes: string | Uint8Array): { DOCKER_CONFIG: string } {
  const dir = tempDir("toci-cli-dc-");
  writeFileSync(join(dir, "config.json"), bytes);
  return { DOCKER_CONFIG: dir };
}

/** The OciError a promise rejects with (fails the test if it resolves or rejects with anything else). */
async function ociError(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    (value) => ({ resolved: value }),
    (e: unknown) => e,
  );
  expect(isOciError(error), String(error)).toBe(true);
  return error as { code: string; message: string };
}

describe("config.json of any shape (fuzzed)", () => {
  const wrong = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()));
  const entry = fc.oneof(
    { weight: 1, arbitrary: fc.constant(GOOD) },
    {
      weight: 4,
      arbitrary: fc.record(
        {
          auth: fc.oneof(
            fc.string(),
            fc.constantFrom(auth("user"), auth(":pw"), "!!!", "a", auth("u:p").slice(0, -1)),
            wrong,
          ),
          identitytoken: fc.oneof(fc.string(), wrong),
          username: fc.oneof(fc.string(), wrong),
          password: fc.oneof(fc.string(), wrong),
        },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: fc.anything() },
  );
  // Mostly spellings of the hosts looked up below, so that malformed entries are the ones read.
  const key = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        "reg.example",
        "https://reg.example/v2/",
        "HTTP://Reg.Example:5000/some/path",
        "https://index.docker.io/v1/",
        "__proto__",
        "constructor",
        "toString",
        "",
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  );
  const config = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record(
        {
          auths: fc.oneof({ weight: 4, arbitrary: fc.dictionary(key, entry, { maxKeys: 4 }) }, wrong),
          // Helper names that exist nowhere: a property run must not start real programs.
          credsStore: fc.oneof(fc.constantFrom("", "toci-test-absent"), wrong),
          credHelpers: fc.oneof(
            fc.dictionary(key, fc.oneof(fc.constant("toci-test-absent"), wrong), { maxKeys: 2 }),
            wrong,
          ),
          proxies: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue() },
  );

  it("any JSON value or bytes: credentials, none, or an OciError naming the file; login and logout too", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 8, arbitrary: config.map((v) => JSON.stringify(v) ?? "null") },
          { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
          { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }) },
        ),
        fc.constantFrom("reg.example", "reg.example:5000", "docker.io", "constructor", "__proto__"),
        async (bytes, host) => {
          const env = rawConfig(bytes);
          const path = join(env.DOCKER_CONFIG, "config.json");
          for (const op of [
            () => dockerCredentials(host, env),
            () => storeCredentials(host, "u", "p", env),
            () => dockerCredentials(host, env),
            () => eraseCredentials(host, env),
          ]) {
            try {
              await op();
            } catch (error) {
              if (!isOciError(error)) throw error;
              if (error.code === "INVALID_ARGUMENT" && !/docker-credential-/.test(error.message)) {
                expect(error.message).toContain(path);
              }
            }
          }
          // Object.prototype is left alone, whatever keys the file had.
          expect(({} as Record<string, unknown>)["auth"]).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("config.json: what a user of docker, oras and crane expects", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("an empty file or `null` is an empty config; a missing file too", async () => {
    expect(await dockerCredentials("reg.example", rawConfig(""))).toBeUndefined();
    expect(await dockerCredentials("reg.example", rawConfig(" \n"))).toBeUndefined();
    expect(await dockerCredentials("reg.example", rawConfig("null"))).toBeUndefined();
    expect(await dockerCredentials("reg.example", { DOCKER_CONFIG: join(tempDir(), "none") })).toBeUndefined();
  });

  it.each([
    ["not JSON", "{auths:", /is not valid JSON/],
    ["an array", "[]", /is not a JSON object/],
    ["a number", "42", /is not a JSON object/],
    ["auths a string", '{"auths":"reg.example"}', /`auths` that is not an object/],
    ["auths an array", '{"auths":[{"auth":"dTpw"}]}', /`auths` that is not an object/],
    ["credsStore a number", '{"credsStore":1}', /`credsStore` that is not a string/],
    ["credHelpers an array", '{"credHelpers":["x"]}', /`credHelpers` that is not an object of strings/],
    ["a credHelpers value an object", '{"credHelpers":{"reg.example":{}}}', /`credHelpers`/],
  ])("a file that is %s: INVALID_ARGUMENT naming the file, on read and on login", async (_what, text, message) => {
    const env = rawConfig(text);
    const path = join(env.DOCKER_CONFIG, "config.json");
    for (const op of [
      () => dockerCredentials("reg.example", env),
      () => storeCredentials("reg.example", "u", "p", env),
    ]) {
      const error = await ociError(op());
      expect(error.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toContain(path);
      expect(error.message).toMatch(message);
    }
    // Login refused to rewrite it: the user's file is as it was.
    expect(readFileSync(path, "utf8")).toBe(text);
  });

  it.each([
    ["auth a number", { auth: 5 }, /\.auth is not a string/],
    ["auth not base64", { auth: "!!!not base64" }, /\.auth is not the base64/],
    ["auth without a colon", { auth: auth("user") }, /\.auth is not the base64/],
    ["auth with an empty user name", { auth: auth(":pw") }, /\.auth is not the base64/],
    ["identitytoken an object", { identitytoken: {} }, /\.identitytoken is not a string/],
    ["password a number", { username: "u", password: 1 }, /\.password is not a string/],
    ["the entry a string", "user:pass", /is not an object/],
  ])("an entry with %s fails for its registry only, naming file and key", async (_what, bad, message) => {
    const env = { DOCKER_CONFIG: dockerConfig({ auths: { "https://bad.example/v2/": bad, "good.example": GOOD } }) };
    const error = await ociError(dockerCredentials("bad.example", env));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain(join(env.DOCKER_CONFIG, "config.json"));
    expect(error.message).toContain('auths["https://bad.example/v2/"]');
    expect(error.message).toMatch(message);
    expect(await dockerCredentials("good.example", env)).toEqual({ type: "basic", username: "user", password: "pass" });
    // And login over the broken entry replaces it.
    await storeCredentials("bad.example", "new", "pw", env);
    expect(await dockerCredentials("bad.example", env)).toEqual({ type: "basic", username: "new", password: "pw" });
  });

  it("matches keys with schemes, ports, paths and any case by host and port", async () => {
    const env = {
      DOCKER_CONFIG: dockerConfig({
        auths: {
          "HTTPS://Reg.Example:5000/v2/": { auth: auth("port:5000") },
          "http://reg.example/some/deep/path": { auth: auth("plain:host") },
          "https://user@other.example/": { auth: auth("x:y") },
        },
      }),
    };
    expect(await dockerCredentials("reg.example:5000", env)).toMatchObject({ username: "port" });
    expect(await dockerCredentials("reg.example", env)).toMatchObject({ username: "plain" });
    expect(await dockerCredentials("reg.example:5001", env)).toBeUndefined();
    expect(await dockerCredentials("other.example", env)).toBeUndefined();
  });

  it("keys like __proto__ and constructor are registries like any other: found, kept on login, never a prototype", async () => {
    const dir = tempDir("toci-cli-dc-");
    const path = join(dir, "config.json");
    writeFileSync(path, `{"auths":{"__proto__":${JSON.stringify(GOOD)},"constructor":{"auth":"${auth("c:d")}"}}}`);
    const env = { DOCKER_CONFIG: dir };
    expect(await dockerCredentials("constructor", env)).toEqual({ type: "basic", username: "c", password: "d" });
    expect(await dockerCredentials("__proto__", env)).toEqual({ type: "basic", username: "user", password: "pass" });
    expect(await dockerCredentials("toString", env)).toBeUndefined();
    await storeCredentials("reg.example", "u", "p", env);
    await eraseCredentials("constructor", env);
    const written = JSON.parse(readFileSync(path, "utf8")) as { auths: Record<string, unknown> };
    expect(Object.keys(written.auths).sort()).toEqual(["__proto__", "reg.example"]);
    expect(Object.getPrototypeOf(written.auths)).toBe(Object.prototype);
  });

  it("a file over 16 MiB is refused unread with TOO_LARGE naming it (here 1 GiB, sparse)", async () => {
    const env = rawConfig("");
    const path = join(env.DOCKER_CONFIG, "config.json");
    truncateSync(path, 1024 * 1024 * 1024);
    const error = await ociError(dockerCredentials("reg.example", env));
    expect(error.code).toBe("TOO_LARGE");
    expect(error.message).toContain(path);
  });

  it("a field nested too deep to write back fails login with STORE, not a RangeError", async () => {
    const env = rawConfig(`{"x":${"[".repeat(200_000)}${"]".repeat(200_000)}}`);
    expect(await dockerCredentials("reg.example", env)).toBeUndefined();
    const error = await ociError(storeCredentials("reg.example", "u", "p", env));
    expect(error.code).toBe("STORE");
  });

  it("a credential helper that answers garbage is named in an INVALID_ARGUMENT, not a SyntaxError or TypeError", async () => {
    const bin = tempDir("toci-cli-helper-");
    const answers = ["not json", "null", "[1]", '{"Secret":5}', '{"Username":{},"Secret":"s"}'];
    answers.forEach((answer, i) => {
      const program = join(bin, `docker-credential-garbage${i}`);
      writeFileSync(program, `#!/bin/sh\nprintf '%s' '${answer}'\n`);
      chmodSync(program, 0o755);
    });
    vi.stubEnv("PATH", `${bin}:${process.env["PATH"]}`);
    for (const [i] of answers.entries()) {
      const env = { DOCKER_CONFIG: dockerConfig({ credsStore: `garbage${i}` }) };
      const error = await ociError(dockerCredentials("reg.example", env));
      expect(error.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toContain(`docker-credential-garbage${i}`);
    }
  });

  it("a credential helper that floods its output is stopped at 1 MiB with TOO_LARGE, not buffered", async () => {
    const bin = tempDir("toci-cli-helper-");
    const program = join(bin, "docker-credential-flood");
    // No `exec`: the shell's child (yes) keeps the pipe open after the shell is killed, so 'close' would not come
    // (yes itself ends on SIGPIPE once toci stops reading).
    writeFileSync(program, '#!/bin/sh\nyes \'{"Username":"u","Secret":"s"}\'\n');
    chmodSync(program, 0o755);
    vi.stubEnv("PATH", `${bin}:${process.env["PATH"]}`);
    const error = await ociError(
      dockerCredentials("reg.example", { DOCKER_CONFIG: dockerConfig({ credsStore: "flood" }) }),
    );
    expect(error.code).toBe("TOO_LARGE");
    expect(error.message).toContain("docker-credential-flood");
  });
});
