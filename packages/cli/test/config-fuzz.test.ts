// Fuzzed configuration files: whatever a file says, the checker answers settings or INVALID_ARGUMENT naming the
// file, never another exception; and on configurations built from right and wrong pieces, the checker accepts
// exactly what config.schema.json accepts, but for the two things the schema cannot say (a host named twice under
// two spellings, TLS settings on a plainHttp registry). Against the checker directly: no file, no process.

import { readFileSync } from "node:fs";
import { isOciError } from "@toci/spec-types";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkConfig } from "../src/config/config-schema.js";
import { schemaErrors } from "./json-schema.js";

const schema = JSON.parse(readFileSync(new URL("../config.schema.json", import.meta.url), "utf8"));
const where = { file: "/etc/toci/config.json", dir: "/etc/toci", home: "/home/me" };

/** The checker's verdict: the error's message, or undefined when it accepts. Any other exception fails the test. */
function verdict(value: unknown): string | undefined {
  try {
    checkConfig(value, where);
    return undefined;
  } catch (error) {
    expect(isOciError(error) && error.code).toBe("INVALID_ARGUMENT");
    const message = (error as Error).message;
    expect(message.startsWith(`${where.file}: `)).toBe(true);
    return message;
  }
}

const wrong = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null), fc.constant({}));
/** Mostly `right`, now and then `bad`: so that most configurations hold one wrong piece or none. */
const mostly = <T, U>(right: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: right, weight: 24 }, { arbitrary: bad, weight: 1 });
/** `value` with `extra` added now and then: an unknown field. */
const sometimes = <T extends object>(value: fc.Arbitrary<T>, extra: object) =>
  fc.tuple(value, fc.integer({ min: 0, max: 40 })).map(([v, n]) => (n === 0 ? { ...v, ...extra } : v));

const path = mostly(
  fc.constantFrom("a.pem", "/etc/ssl/ca.pem", "~/me.crt", "certs/key.pem"),
  fc.oneof(fc.constant(""), wrong),
);
const flag = mostly(fc.boolean(), wrong);
const mirror = mostly(
  fc.constantFrom(
    "mirror.example",
    "mirror.example:5000",
    "https://mirror.example/hub/v1",
    "http://10.0.0.5:5000",
    "HTTPS://[fd00::5]:443",
    "localhost:5002",
  ),
  fc.oneof(
    fc.constantFrom(
      "ftp://mirror.example",
      "https://user:pass@mirror.example",
      "mirror.example?x=1",
      "https://mirror.example#top",
      "mirror example",
      "https://bad^host",
      "https://under_score.example",
      "",
    ),
    wrong,
  ),
);
/** A certificate and its key, or neither; now and then one alone. */
const client = fc.oneof(
  { arbitrary: fc.record({ cert: path, key: path }), weight: 10 },
  { arbitrary: fc.constant({}), weight: 10 },
  { arbitrary: fc.oneof(fc.record({ cert: path }), fc.record({ key: path })), weight: 1 },
);
const entry = mostly(
  sometimes(
    fc
      .tuple(
        fc.record(
          {
            mirrors: mostly(fc.array(mirror, { maxLength: 3 }), wrong),
            plainHttp: flag,
            insecure: flag,
            ca: fc.oneof(path, fc.array(path, { maxLength: 2 })),
          },
          { requiredKeys: [] },
        ),
        client,
      )
      .map(([e, c]) => ({ ...e, ...c })),
    { mirror: [] },
  ),
  fc.oneof(wrong, fc.array(fc.string(), { maxLength: 1 })),
);
const host = mostly(
  fc.constantFrom(
    "reg.example",
    "Reg.Example:5000",
    "127.0.0.1:5001",
    "[::1]:5000",
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
  ),
  fc.oneof(
    fc.constantFrom("https://reg.example", "reg.example/path", "no thing", "user@reg.example", "reg", "-a.example"),
    fc.string({ maxLength: 6 }),
  ),
);
const config = mostly(
  sometimes(
    fc.record(
      {
        $schema: mostly(fc.constant("https://unpkg.com/@toci/cli/config.schema.json"), wrong),
        registries: mostly(fc.dictionary(host, entry, { maxKeys: 3 }), wrong),
      },
      { requiredKeys: [] },
    ),
    { registry: {} },
  ),
  wrong,
);

/**
 * What the schema cannot say, so the checker alone refuses: Docker Hub named twice, TLS on plain HTTP, and a name
 * that references cannot give as a registry (neither a dot, a port nor localhost: `reg/app` is Docker Hub's).
 */
function beyondSchema(value: Record<string, unknown>): boolean {
  const registries = Object.entries((value["registries"] ?? {}) as Record<string, Record<string, unknown>>);
  const namespace = registries.some(([key]) => !/[.:]/.test(key) && key.toLowerCase() !== "localhost");
  const hub = registries.filter(([key]) => ["docker.io", "index.docker.io", "registry-1.docker.io"].includes(key));
  const tlsOnPlain = registries.some(
    ([, e]) =>
      e["plainHttp"] === true &&
      (e["insecure"] === true || e["cert"] !== undefined || (e["ca"] !== undefined && `${e["ca"]}` !== "")),
  );
  return hub.length > 1 || tlsOnPlain || namespace;
}

describe("fuzzed configuration files", () => {
  it("any JSON value: settings or INVALID_ARGUMENT naming the file, nothing else", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        verdict(value);
      }),
      { numRuns: 500 },
    );
  });

  it("configurations of right and wrong pieces: the checker accepts exactly what the schema accepts", () => {
    let accepted = 0;
    fc.assert(
      fc.property(config, (value) => {
        const schemaSays = schemaErrors(schema, value);
        const checkerSays = verdict(value);
        if (schemaSays.length > 0) expect(checkerSays, schemaSays.join("; ")).toBeDefined();
        else if (beyondSchema(value as Record<string, unknown>)) expect(checkerSays).toBeDefined();
        else expect(checkerSays).toBeUndefined();
        if (checkerSays === undefined) accepted++;
      }),
      { numRuns: 2000 },
    );
    // Both verdicts are common: the generator's weights hold (else the property above says little).
    expect(accepted).toBeGreaterThan(400);
    expect(accepted).toBeLessThan(1600);
  });
});
