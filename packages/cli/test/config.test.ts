// The configuration file: where it is looked for, what it may say (config.schema.json and the checker agree), and
// how a file that says something wrong fails: INVALID_ARGUMENT (exit 1) naming the file and the field, for the
// commands that reach registries only. Table-driven against the checker (and the schema, through a validator of the
// keywords it uses, so editors refuse what the command refuses), then end to end with the built command.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { isOciError } from "@toci/spec-types";
import { ociImage, writeLayout } from "@toci/testkit/fixtures";
import { describe, expect, it } from "vitest";
import { configPath, loadConfig } from "../src/config/config-file.js";
import { HOST_PATTERN, MIRROR_PATTERN } from "../src/config/config-schema.js";
import { registries, tempDir, toci } from "./helpers.js";
import { schemaErrors } from "./json-schema.js";

const { plain } = registries();
const schema = JSON.parse(readFileSync(new URL("../config.schema.json", import.meta.url), "utf8"));

/** A configuration file holding exactly `text`; its path. */
function file(text: string, dir = tempDir("toci-cli-config-")): string {
  const path = join(dir, "config.json");
  writeFileSync(path, text);
  return path;
}

/** The message loadConfig fails with for a file holding `config` (as JSON unless a string). */
async function failure(config: unknown): Promise<string> {
  const path = file(typeof config === "string" ? config : JSON.stringify(config));
  const error = await loadConfig({ TOCI_CONFIG: path }).catch((e: unknown) => e);
  expect(isOciError(error) && error.code).toBe("INVALID_ARGUMENT");
  const message = (error as Error).message;
  expect(message.startsWith(`${path}: `)).toBe(true);
  return message.slice(path.length + 2);
}

describe("where the configuration is", () => {
  it("TOCI_CONFIG, else $XDG_CONFIG_HOME/toci/config.json, else ~/.config/toci/config.json", () => {
    expect(configPath({ TOCI_CONFIG: "/etc/toci.json" })).toEqual({ path: "/etc/toci.json", required: true });
    expect(configPath({ XDG_CONFIG_HOME: "/x" })).toEqual({ path: "/x/toci/config.json", required: false });
    expect(configPath({ XDG_CONFIG_HOME: "relative" }).path).toBe(join(homedir(), ".config/toci/config.json"));
    expect(configPath({}).path).toBe(join(homedir(), ".config/toci/config.json"));
  });

  it("an absent default file is no settings; an absent TOCI_CONFIG is an error", async () => {
    const empty = tempDir();
    expect((await loadConfig({ XDG_CONFIG_HOME: empty })).registries.size).toBe(0);
    const error = await loadConfig({ TOCI_CONFIG: join(empty, "nope.json") }).catch((e: unknown) => e);
    expect((error as Error).message).toContain("no such file (TOCI_CONFIG names it)");
  });

  it("reads settings: hosts normalised, paths resolved against the file's directory or home", async () => {
    const dir = tempDir("toci-cli-config-");
    mkdirSync(join(dir, "certs"));
    const path = file(
      JSON.stringify({
        $schema: "https://unpkg.com/@toci/cli/config.schema.json",
        registries: {
          "Index.Docker.io": { mirrors: ["mirror.gcr.io", "http://10.0.0.5:5000/hub"] },
          "reg.example:5000": { ca: ["certs/ca.pem", "/etc/ca.pem"], cert: "~/client.crt", key: "client.key" },
          "localhost:5001": { plainHttp: true },
        },
      }),
      dir,
    );
    const config = await loadConfig({ TOCI_CONFIG: path });
    expect([...config.registries.keys()]).toEqual(["docker.io", "reg.example:5000", "localhost:5001"]);
    expect(config.registries.get("docker.io")!.mirrors).toEqual([
      { url: "mirror.gcr.io", host: "mirror.gcr.io", scheme: undefined },
      { url: "http://10.0.0.5:5000/hub", host: "10.0.0.5:5000", scheme: "http" },
    ]);
    expect(config.registries.get("reg.example:5000")).toMatchObject({
      ca: [join(dir, "certs/ca.pem"), "/etc/ca.pem"],
      cert: join(homedir(), "client.crt"),
      key: join(dir, "client.key"),
      plainHttp: false,
      insecure: false,
    });
    expect(config.registries.get("localhost:5001")!.plainHttp).toBe(true);
    // An empty file is an empty configuration.
    expect((await loadConfig({ TOCI_CONFIG: file("  \n") })).registries.size).toBe(0);
  });
});

describe("a configuration that says something wrong", () => {
  const r = (entry: unknown) => ({ registries: { "reg.example": entry } });
  const cases: [string, unknown, string][] = [
    ["not JSON", "{ registries: }", "not JSON"],
    ["not an object", [], "expected an object, got a list"],
    ["an unknown field", { registry: {} }, 'unknown field "registry" (known: $schema, registries)'],
    ["registries not an object", { registries: [] }, "registries: expected an object, got a list"],
    [
      "a scheme in a key",
      { registries: { "https://reg.example": {} } },
      'registries["https://reg.example"]: a registry is named host[:port], without a scheme or a path',
    ],
    [
      "a key that is not a host",
      { registries: { "no thing": {} } },
      'registries["no thing"]: not a registry host[:port]',
    ],
    [
      "one host twice",
      { registries: { "docker.io": {}, "index.docker.io": {} } },
      'registries["index.docker.io"]: docker.io is named twice',
    ],
    ["an entry not an object", r(true), 'registries["reg.example"]: expected an object, got a boolean'],
    [
      "a misspelt field",
      r({ mirror: [] }),
      'registries["reg.example"]: unknown field "mirror" (known: mirrors, plainHttp, insecure, ca, cert, key)',
    ],
    [
      "mirrors not a list",
      r({ mirrors: "m.example" }),
      'registries["reg.example"].mirrors: expected a list of URLs, got a string',
    ],
    [
      "a mirror not a string",
      r({ mirrors: ["m.example", 42] }),
      'registries["reg.example"].mirrors[1]: expected a URL or host[:port], got a number',
    ],
    [
      "a mirror of another scheme",
      r({ mirrors: ["ftp://m.example"] }),
      'registries["reg.example"].mirrors[0]: a mirror is http:// or https://',
    ],
    [
      "credentials in a mirror URL",
      r({ mirrors: ["https://u:p@m.example"] }),
      'registries["reg.example"].mirrors[0]: credentials do not go in a URL',
    ],
    [
      "plainHttp not a boolean",
      r({ plainHttp: "yes" }),
      'registries["reg.example"].plainHttp: expected true or false, got a string',
    ],
    ["an empty path", r({ ca: "" }), 'registries["reg.example"].ca: expected a file path, got a string'],
    [
      "a path in a list not a string",
      r({ ca: ["a.pem", null] }),
      'registries["reg.example"].ca[1]: expected a file path, got null',
    ],
    [
      "a certificate without its key",
      r({ cert: "c.pem" }),
      'registries["reg.example"]: a client certificate needs both cert and key',
    ],
    [
      "TLS on plain HTTP",
      r({ plainHttp: true, insecure: true }),
      'registries["reg.example"]: plainHttp with TLS settings',
    ],
  ];
  it.each(cases)("%s", async (_name, config, expected) => {
    expect(await failure(config)).toContain(expected);
  });

  it("a file that is not a regular file, or too large, is refused unread", async () => {
    const dir = tempDir();
    const notFile = await loadConfig({ TOCI_CONFIG: dir }).catch((e: unknown) => e);
    expect((notFile as Error).message).toContain("not a regular file");
    const big = file(`{"registries":{},"pad":"${"x".repeat(1024 * 1024)}"}`);
    const large = await loadConfig({ TOCI_CONFIG: big }).catch((e: unknown) => e);
    expect(isOciError(large) && large.code).toBe("TOO_LARGE");
  });

  // What the schema cannot say: text that is not JSON, a host named twice under two spellings, and plainHttp with TLS
  // settings (expressible only with conditionals, which editors show poorly).
  const notInSchema = new Set(["not JSON", "one host twice", "TLS on plain HTTP"]);
  it.each(cases.filter(([name]) => !notInSchema.has(name)))("config.schema.json refuses it too: %s", (_n, config) => {
    expect(schemaErrors(schema, config)).not.toEqual([]);
  });
});

describe("config.schema.json and the checker agree", () => {
  it("on the fields there are, and that no others are allowed", () => {
    expect(Object.keys(schema.properties)).toEqual(["$schema", "registries"]);
    expect(Object.keys(schema.$defs.registry.properties)).toEqual([
      "mirrors",
      "plainHttp",
      "insecure",
      "ca",
      "cert",
      "key",
    ]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.$defs.registry.additionalProperties).toBe(false);
  });

  it("on how registries and mirrors are named: the same patterns", () => {
    expect(schema.properties.registries.propertyNames.pattern).toBe(`^${HOST_PATTERN}$`);
    expect(schema.$defs.registry.properties.mirrors.items.pattern).toBe(MIRROR_PATTERN);
  });

  it("on the examples of the README and the Networks guide, and on the keys and mirrors the command takes", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const guide = readFileSync(new URL("../../../apps/docs/guide/networks.md", import.meta.url), "utf8");
    const examples = [readme, guide].map((text) => JSON.parse(/```json\n([^`]+)```/.exec(text)![1]!) as unknown);
    examples.push({
      registries: {
        "Index.Docker.io": { mirrors: ["mirror.gcr.io", "HTTP://10.0.0.5:5000/hub", "https://[fd00::5]:443/x/y"] },
        "[::1]:5000": { ca: ["a.pem"], cert: "c.pem", key: "k.pem", insecure: false },
        "127.0.0.1:5001": { plainHttp: true, mirrors: [] },
      },
    });
    for (const example of examples) {
      expect(schemaErrors(schema, example)).toEqual([]);
      expect((await loadConfig({ TOCI_CONFIG: file(JSON.stringify(example)) })).registries.size).toBeGreaterThan(0);
    }
  });
});

describe.concurrent("the command with a wrong configuration", () => {
  it("exits 1 naming the file and the field, on every command that reaches a registry", async () => {
    const path = file(JSON.stringify({ registries: { [plain.host]: { mirrors: [42] } } }));
    const result = await toci(["ping", plain.host], { env: { TOCI_CONFIG: path } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: INVALID_ARGUMENT: ${path}: registries["${plain.host}"].mirrors[0]: expected a URL or host[:port], got a number\n`,
    );
    const json = await toci(["ping", plain.host, "--json"], { env: { TOCI_CONFIG: path } });
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "INVALID_ARGUMENT" } });
  });

  it("names the field whose file cannot be read", async () => {
    const path = file(JSON.stringify({ registries: { "reg.example": { ca: "missing-ca.pem" } } }));
    const result = await toci(["ping", plain.host], { env: { TOCI_CONFIG: path } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path}: registries["reg.example"].ca: cannot read `);
    expect(result.stderr).toContain("(ENOENT)");
  });

  it("leaves the commands that reach no registry alone", async () => {
    const path = file("not json");
    const layout = tempDir();
    writeLayout(layout, ociImage({ seed: "cli-config" }), "v1");
    const result = await toci(["layout", "ls", "--store", layout], { env: { TOCI_CONFIG: path } });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});
