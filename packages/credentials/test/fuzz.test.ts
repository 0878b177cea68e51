// Fuzzed config files and helper answers holding secrets: every operation gives credentials, none, or an OciError,
// never another exception, and no error (message, JSON view, causes) ever carries a secret, raw or base64. Each run
// writes real files (fsync included) and runs real helper processes: generous timeouts for a loaded machine.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { isOciError } from "@toci/spec-types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dockerCredentials, eraseCredentials, storeCredentials } from "../src/index.js";
import { base64, configDir, errorText, script, tempDir } from "./helpers.js";

/** A secret that no path, key or message of ours can contain by chance. */
const secret = fc.stringMatching(/^[A-Za-z0-9]{6,12}$/).map((s) => `S3CRET${s}`);
const wrong = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()));

/** What must not appear: the secret's marker (a piece of it is a leak too), and its base64 spellings. */
const spellings = (s: string) => ["S3CRET", base64(`user:${s}`), base64(s), base64(`${s}:x`)];

const entry = (s: string) =>
  fc.oneof(
    fc.record(
      {
        auth: fc.oneof(
          fc.constantFrom(base64(`user:${s}`), base64(s), base64(`:${s}`), s, `${base64(`u:${s}`)}!`, `${s}=`),
          wrong,
        ),
        identitytoken: fc.oneof(fc.constant(s), wrong, fc.constant({ token: s })),
        registrytoken: fc.oneof(fc.constant(s), wrong),
        username: fc.oneof(fc.constant("user"), fc.constant(s), wrong),
        password: fc.oneof(fc.constant(s), wrong, fc.constant([s])),
      },
      { requiredKeys: [] },
    ),
    fc.constant(s),
    fc.constant([s]),
    fc.anything(),
  );

// Mostly spellings of the hosts asked for, so that malformed entries are the ones read.
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
      "",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).filter((k) => !k.includes("S3CRET")) },
);

const config = (s: string) =>
  fc.record(
    {
      auths: fc.oneof({ weight: 4, arbitrary: fc.dictionary(key, entry(s), { maxKeys: 4 }) }, wrong),
      // Helper names that exist nowhere: a property run must not start real programs.
      credsStore: fc.oneof(fc.constantFrom("", "toci-test-absent", "../x"), wrong),
      credHelpers: fc.oneof(
        fc.dictionary(key, fc.oneof(fc.constant("toci-test-absent"), wrong), { maxKeys: 2 }),
        wrong,
      ),
      proxies: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );

/** Runs `op`; fails the property on anything thrown but an OciError, or on an error carrying a secret. */
async function check(op: () => Promise<unknown>, secrets: string[]): Promise<void> {
  try {
    await op();
  } catch (error) {
    if (!isOciError(error)) throw error;
    const text = errorText(error);
    for (const s of secrets) if (text.includes(s)) throw new Error(`secret in error: ${text}`);
  }
}

describe("fuzzed docker config", () => {
  it("any file: credentials, none, or an OciError without a secret; login and logout too", async () => {
    const files = secret.chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.oneof(
          { weight: 8, arbitrary: config(s).map((v) => JSON.stringify(v)) },
          { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v) ?? "null") },
          // Truncated JSON: V8's SyntaxError quotes the text around the error, secrets included.
          { weight: 2, arbitrary: config(s).chain((v) => fc.nat().map((n) => JSON.stringify(v).slice(0, n))) },
          { weight: 2, arbitrary: config(s).map((v) => JSON.stringify(v).replaceAll(`"${s}"`, s)) },
          { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString("latin1")) },
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        files,
        fc.constantFrom("reg.example", "reg.example:5000", "docker.io", "constructor", "__proto__"),
        async ([s, text], host) => {
          const dir = configDir(text);
          const secrets = spellings(s);
          const credentials = dockerCredentials({ configDir: dir });
          await check(() => credentials(host), secrets);
          const stored = { type: "basic", username: "u", password: "p" } as const;
          await check(() => storeCredentials(host, stored, { configDir: dir }), secrets);
          await check(() => credentials(host), secrets);
          await check(() => eraseCredentials(host, { configDir: dir }), secrets);
          // Object.prototype is left alone, whatever keys the file had.
          expect(({} as Record<string, unknown>)["auth"]).toBeUndefined();
        },
      ),
      { numRuns: 150 },
    );
  }, 180_000);
});

describe("fuzzed credential helpers", () => {
  it("any answer and exit code: credentials, none, or an OciError without the secret", async () => {
    const dir = tempDir();
    // Shell builtins only (no cat): one process per run, so that the property runs many cases quickly.
    const program = script(`IFS= read -r code < ${join(dir, "code")}
while IFS= read -r line || [ -n "$line" ]; do printf '%s\\n' "$line"; done < ${join(dir, "answer")}
exit "$code"`);
    const answer = (s: string) =>
      fc.oneof(
        fc.constant(JSON.stringify({ Username: "u", Secret: s })),
        fc.constant(`error getting credentials: token ${s} expired`),
        fc.constant(`credentials not found in native keychain ${s}`),
        fc.jsonValue().map((v) => `${JSON.stringify(v)}${s}`),
        fc.record({ Username: wrong, Secret: fc.oneof(fc.constant(s), wrong) }).map((v) => JSON.stringify(v)),
      );
    await fc.assert(
      fc.asyncProperty(
        secret.chain((s) => fc.tuple(fc.constant(s), answer(s))),
        fc.constantFrom(0, 1, 2, 127),
        async ([s, text], code) => {
          writeFileSync(join(dir, "answer"), text);
          writeFileSync(join(dir, "code"), String(code));
          const options = { configDir: configDir({ credsStore: "fuzz" }), helpers: { fuzz: program } };
          const secrets = spellings(s);
          await check(() => dockerCredentials(options)("reg.example"), secrets);
          const stored = { type: "basic", username: "u", password: "p" } as const;
          await check(() => storeCredentials("reg.example", stored, options), secrets);
          await check(() => eraseCredentials("reg.example", options), secrets);
        },
      ),
      { numRuns: 25 },
    );
  }, 180_000);
});
