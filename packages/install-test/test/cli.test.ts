// The toci command as `npm install -g` leaves it (from its tarball alone, into a fresh prefix), run by name from
// PATH against the local registry, as the CLI README's first lines do.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sh } from "./project.js";
import { installInfo, QUICK_START_REPO } from "./setup-info.js";
import { publishedPackages } from "./workspace.js";

const info = installInfo();
const cli = publishedPackages().find((p) => p.pkg.name === "@toci/cli")!;
const host = new URL(info.registry).host;
const PATH = `${join(info.prefix, "bin")}:${process.env.PATH}`;

function toci(args: string[]) {
  return sh("toci", args, { cwd: info.tmp, env: { PATH, HOME: join(info.tmp, "home") } });
}

/** The commands a --help lists under "Commands:" (none for a command without subcommands), `help` left out. */
function commandsIn(help: string): string[] {
  const list = help.split("\nCommands:\n")[1] ?? "";
  return list
    .split("\n")
    .map((line) => /^ {2}([a-z]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== "help");
}

describe("toci, installed globally", () => {
  it("runs from PATH and knows its version", async () => {
    const { stdout } = await toci(["--version"]);
    expect(stdout.trim()).toBe(cli.pkg.version);
  });

  it("lists tags and pulls one platform into a layout from a local registry", async () => {
    expect((await toci(["tags", `${host}/${QUICK_START_REPO}`])).stdout.trim()).toBe("latest");
    const store = join(info.tmp, "cli-store");
    const ref = `${host}/${QUICK_START_REPO}:latest`;
    const { stdout, stderr } = await toci(["pull", ref, "--platform", "linux/arm64", "--store", store, "--json"]);
    expect(stderr).toBe("");
    expect(JSON.parse(stdout)).toMatchObject({ digest: expect.stringMatching(/^sha256:/) });
    const index = JSON.parse(await readFile(join(store, "index.json"), "utf8"));
    expect(index.manifests).toHaveLength(1);
    // The README's second line: the layout's root tagged with the reference's tag, pushed to another repository.
    const pushed = await toci(["push", `${host}/mirror/alpine:latest`, "--store", store, "--json"]);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ digest: JSON.parse(stdout).digest });
    expect((await toci(["tags", `${host}/mirror/alpine`])).stdout.trim()).toBe("latest");
  });

  it("shows an example in the --help of every command that --help lists", async () => {
    const commands = commandsIn((await toci(["--help"])).stdout);
    expect(commands).toContain("pull");
    for (const command of commands) {
      const { stdout } = await toci([command, "--help"]);
      // A group (layout, artifact) lists its subcommands; each of those shows the example.
      const subcommands = commandsIn(stdout);
      const helps = subcommands.length
        ? await Promise.all(subcommands.map(async (sub) => (await toci([command, sub, "--help"])).stdout))
        : [stdout];
      for (const help of helps) expect(help, `toci ${command}`).toMatch(/\nExamples?:\n {2}\$ .*\btoci /);
    }
  });
});
