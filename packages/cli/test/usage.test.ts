// Usage: --help with an example for every command, exit 2 with a clear message for unknown commands and flags
// and for references that do not parse.
import { describe, expect, it } from "vitest";
import { toci } from "./helpers.js";

const COMMANDS = [
  "pull",
  "push",
  "copy",
  "tags",
  "catalog",
  "resolve",
  "manifest",
  "blob",
  "referrers",
  "tag",
  "inspect",
  "config",
  "attach",
  "delete",
  "login",
  "logout",
  "ping",
  "relay",
  "files",
  "cat",
  "export",
  "import",
];

describe("usage", () => {
  it("lists every command in --help", async () => {
    const { code, stdout } = await toci(["--help"]);
    expect(code).toBe(0);
    for (const command of [...COMMANDS, "layout"]) expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
  });

  it("shows an example in every command's --help", async () => {
    const results = await Promise.all(
      [
        ...COMMANDS.map((c) => [c]),
        ...["ls", "gc", "rm", "forget"].map((c) => ["layout", c]),
        ...["push", "pull"].map((c) => ["artifact", c]),
      ].map((c) => toci([...c, "--help"])),
    );
    for (const { code, stdout } of results) {
      expect(code).toBe(0);
      expect(stdout).toMatch(/Examples?:\n {2}\$ .*toci /);
    }
  });

  it("prints the version", async () => {
    const { code, stdout } = await toci(["--version"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("exits 2 on an unknown command, an unknown flag or a missing argument", async () => {
    const [command, flag, missing, nested] = await Promise.all([
      toci(["pul", "x"]),
      toci(["tags", "localhost:5000/a", "--bogus"]),
      toci(["pull"]),
      toci(["layout", "rm"]),
    ]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'pul'");
    expect(command.stderr).toContain("Did you mean pull?");
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--bogus'");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'ref'");
    // Each names the help to read: the command's own, or the list of commands.
    expect(command.stderr).toContain("(run `toci --help` for usage)");
    expect(flag.stderr).toContain("(run `toci tags --help` for usage)");
    expect(missing.stderr).toContain("(run `toci pull --help` for usage)");
    expect(nested.code).toBe(2);
    expect(nested.stderr).toContain("(run `toci layout rm --help` for usage)");
  });

  it("exits 2 on references that do not parse, without a stack trace", async () => {
    const calls = [
      ["pull", "Bad/Name:v1"],
      ["resolve", "localhost:5000/a:bad tag"],
      ["tags", "localhost:5000/a:v1"],
      ["blob", "localhost:5000/a:v1"],
      ["pull", "localhost:5000/a@sha256:123"],
      ["catalog", "not a host"],
      ["pull", "localhost:5000/a:v1", "--platform", "linux"],
    ];
    const results = await Promise.all(calls.map((args) => toci(args)));
    for (const [i, { code, stderr }] of results.entries()) {
      expect(code).toBe(2);
      expect(stderr).toMatch(/^error: /);
      expect(stderr).toContain(`(run \`toci ${calls[i]![0]} --help\` for usage)`);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
    expect(results[0]!.stderr).toContain("repository names must be lowercase");
    expect(results[2]!.stderr).toContain("expected a repository without a tag or digest");
    expect(results[3]!.stderr).toContain("needs a reference with a digest");
    expect(results[6]!.stderr).toContain("invalid platform");
  });

  it("prints a usage error as JSON with --json", async () => {
    const { code, stdout } = await toci(["tags", "--json", "--nope", "localhost:5000/a"]);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ error: { code: "USAGE" } });
    const bad = await toci(["resolve", "--json", "localhost:5000/UPPER"]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: "USAGE" } });
  });

  it("refuses -p without -u, and -p with --password-stdin", async () => {
    const [noUser, both] = await Promise.all([
      toci(["tags", "127.0.0.1:1/a", "-p", "x"]),
      toci(["tags", "127.0.0.1:1/a", "-u", "u", "-p", "x", "--password-stdin"]),
    ]);
    expect(noUser.code).toBe(2);
    expect(noUser.stderr).toContain("needs -u/--username");
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("cannot be used together");
  });
});
