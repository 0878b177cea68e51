// The command line, with commander: every command, its flags, and an example in its --help.
// Commands are loaded when they run, so `toci --help` and usage errors never load the client or fetch.
import { Command, Option } from "commander";
import type { GlobalOptions } from "./context.js";
import { Output } from "./output.js";
import { contentCommands } from "./program-content.js";
import { relayCommands } from "./program-relay.js";
import type { Run } from "./run.js";

export interface ProgramState {
  signal: AbortSignal;
  /** --json: commander writes nothing to stderr (main prints the usage error as the JSON document). */
  json?: boolean;
  /** Set by the action that ran: its failure, if any. */
  failure?: unknown;
  out?: Output;
  /** What the first Ctrl-C prints, when the running command says (Run.interruptNote). */
  interruptNote?: string;
}

/** Adds the flags of every command that talks to a registry. */
function registryFlags(command: Command): Command {
  return command
    .option("-u, --username <name>", "registry user name (else TOCI_USERNAME, else docker config)")
    .option("-p, --password <password>", "registry password or token (prefer --password-stdin)")
    .option("--password-stdin", "read the password from stdin")
    .option("--plain-http", "use plain HTTP (the default for localhost, 127.0.0.0/8 and ::1)")
    .option("--insecure", "skip TLS certificate verification (dangerous)")
    .option("--ca-file <file>", "trust this PEM CA certificate as well")
    .option("--proxy <url>", "the HTTP proxy for every registry (instead of HTTPS_PROXY/HTTP_PROXY; NO_PROXY applies)")
    .option("--no-proxy", "reach registries directly, whatever HTTPS_PROXY/HTTP_PROXY say");
}

/** Adds the tuning flags of the commands that move blobs. */
function transferFlags(command: Command): Command {
  return command
    .option("-j, --concurrency <n>", "blobs transferred at once (default 8; pull: 4 big, up to 16 in all)")
    .option(
      "--chunk-size <size>",
      "upload blobs larger than this in chunks of this size, e.g. 16MiB (default 64MiB; the registry may ask for less)",
    );
}

function example(command: Command, ...lines: string[]): Command {
  return command.addHelpText(
    "after",
    `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`,
  );
}

/** Wraps a command's function as a commander action. */
export type Act = (
  fn: (run: Run, args: unknown[], flags: never) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;

export function buildProgram(state: ProgramState, version: string): Command {
  const program = new Command("toci");
  program
    .description("Pull, push, copy and inspect OCI images and artifacts on any OCI registry.")
    .version(version, "-V, --version")
    .option("--json", "print one JSON document as the result")
    .option("--debug", "log every request error, and print stack traces")
    .addOption(new Option("--progress", "draw progress bars even when stderr is not a terminal"))
    .addOption(new Option("--no-progress", "never draw progress bars"))
    .configureOutput({ writeErr: (text) => (state.json ? undefined : process.stderr.write(text)) })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .exitOverride();

  /** Wraps an action: builds the Run, records the failure for main. */
  // Commander calls an action with (...arguments, options, command); `act` hands it the Run, the arguments, and the
  // command's options merged with the global ones.
  const act: Act =
    (fn) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args.at(-1) as Command;
      const flags = command.optsWithGlobals<GlobalOptions>();
      const out = new Output({ ...flags, command: command.name(), commandPath: commandPath(command) });
      state.out = out;
      try {
        const interruptNote = (text: string) => {
          state.interruptNote = text;
        };
        await fn({ out, signal: state.signal, interruptNote }, args.slice(0, -2), flags as never);
      } catch (error) {
        state.failure = error;
      }
    };
  transferCommands(program, act);
  readCommands(program, act);
  imageCommands(program, act);
  writeCommands(program, act);
  authCommands(program, act);
  layoutCommands(program, act);
  contentCommands(program, act, { registryFlags, transferFlags, example });
  relayCommands(program, act, { example });
  usageHints(program);
  return program;
}

/** `layout rm`: the names from the program's down to the command's. */
function commandPath(command: Command): string {
  return command.parent ? [commandPath(command.parent), command.name()].filter(Boolean).join(" ") : "";
}

/** After a usage error, the help to read: the command's own (`toci layout rm --help`), or the list of commands. */
function usageHints(command: Command, path = "toci"): void {
  command.showHelpAfterError(`(run \`${path} --help\` for usage)`);
  for (const sub of command.commands) usageHints(sub, `${path} ${sub.name()}`);
}

/** Pull, push and copy: the commands that move blobs. */
function transferCommands(program: Command, act: Act): void {
  const load = () => import("./commands/transfer.js");
  example(
    transferFlags(
      registryFlags(
        program
          .command("pull")
          .description("pull an image or artifact into an OCI layout (default ./toci-store)")
          .argument("<ref>", "registry/repository[:tag|@digest]")
          .option("--store <dir>", "the OCI layout", "./toci-store")
          .option(
            "--platform <os/arch[/variant]>",
            "from an index, only this platform's manifest (stored under the tag)",
          ),
      ),
    ),
    "toci pull localhost:5001/demo/hello:v1 --platform linux/arm64",
  ).action(act(async (run, [ref], flags) => (await load()).pull(run, ref as string, flags)));

  example(
    transferFlags(
      registryFlags(
        program
          .command("push")
          .description("push a root of the OCI layout, and everything under it, to a registry")
          .argument("<ref>", "registry/repository[:tag]")
          .option("--store <dir>", "the OCI layout", "./toci-store")
          .option("--from <tag|digest>", "the root in the layout to push (default: the reference's tag)"),
      ),
    ),
    "toci push localhost:5001/demo/hello:v2 --from v1",
  ).action(act(async (run, [ref], flags) => (await load()).push(run, ref as string, flags)));

  example(
    transferFlags(
      registryFlags(
        program
          .command("copy")
          .alias("cp")
          .description("copy an image or artifact from one registry or repository to another")
          .argument("<src-ref>", "source reference")
          .argument("<dst-ref>", "destination reference (its tag defaults to the source's)")
          .option("--platform <os/arch[/variant]>", "from an index, copy only this platform's manifest")
          .option("--from-username <name>", "user name for the source registry (else -u, TOCI_USERNAME, docker config)")
          .option("--from-password <password>", "password or token for the source registry")
          .option("--to-username <name>", "user name for the destination registry (else -u, ...)")
          .option("--to-password <password>", "password or token for the destination registry"),
      ),
    ),
    "toci copy localhost:5001/demo/hello:v1 localhost:5001/mirror/hello:v1",
    'toci copy ghcr.io/org/app:v1 registry.internal/app:v1 --to-username ci --to-password "$TOKEN"',
  ).action(act(async (run, [src, dst], flags) => (await load()).copy(run, src as string, dst as string, flags)));
}

/** The read-only commands: tags, catalog, resolve, manifest, blob, referrers. */
function readCommands(program: Command, act: Act): void {
  const inspect = () => import("./commands/inspect.js");
  example(
    registryFlags(
      program
        .command("tags")
        .description("list a repository's tags, one per line")
        .argument("<repo>")
        .option(
          "--exclude-digest-tags",
          "hide sha256-<hex> tags (the referrers fallback of registries without the API)",
        ),
    ),
    "toci tags localhost:5001/demo/hello --exclude-digest-tags",
  ).action(act(async (run, [repo], flags) => (await inspect()).tags(run, repo as string, flags)));

  example(
    registryFlags(
      program.command("catalog").description("list a registry's repositories, one per line").argument("<registry>"),
    ),
    "toci catalog localhost:5001",
  ).action(act(async (run, [registry], flags) => (await inspect()).catalog(run, registry as string, flags)));

  example(
    registryFlags(
      program
        .command("resolve")
        .description("print the digest a tag points at")
        .argument("<ref>")
        .option("--platform <os/arch[/variant]>", "from an index, the digest of this platform's manifest"),
    ),
    "toci resolve localhost:5001/demo/hello:v1 --platform linux/amd64",
  ).action(act(async (run, [ref], flags) => (await inspect()).resolve(run, ref as string, flags)));

  example(
    registryFlags(
      program
        .command("manifest")
        .description("print a manifest or index, exactly as the registry serves it")
        .argument("<ref>")
        .option("--platform <os/arch[/variant]>", "from an index, this platform's manifest"),
    ),
    "toci manifest localhost:5001/demo/hello:v1",
  ).action(act(async (run, [ref], flags) => (await inspect()).manifest(run, ref as string, flags)));

  example(
    registryFlags(
      program
        .command("blob")
        .description("fetch a blob by digest (verified) to stdout or a file")
        .argument("<ref@digest>")
        .option("-o, --output <file|->", "write to this file; - for stdout, binary included even on a terminal"),
    ),
    "toci blob localhost:5001/demo/hello@sha256:… -o layer.tar.gz",
  ).action(act(async (run, [ref], flags) => (await inspect()).blob(run, ref as string, flags)));

  example(
    registryFlags(
      program
        .command("referrers")
        .description("list the artifacts that refer to a manifest (digest and artifact type per line)")
        .argument("<ref>")
        .option("--artifact-type <type>", "only referrers of this artifact type"),
    ),
    "toci referrers localhost:5001/demo/hello:v1 --artifact-type application/spdx+json",
  ).action(act(async (run, [ref], flags) => (await inspect()).referrers(run, ref as string, flags)));
}

/** An image on the registry, without pulling it: retag it, inspect it, print its config. */
function imageCommands(program: Command, act: Act): void {
  const image = () => import("./commands/image.js");
  example(
    registryFlags(
      program
        .command("tag")
        .description("add tags to a manifest on the registry, without pulling it (one GET, then a PUT per tag)")
        .argument("<ref>", "registry/repository:tag or @digest")
        .argument("<tags...>", "the new tags, in the same repository"),
    ),
    "toci tag localhost:5001/demo/hello:v1 v1.0 stable",
  ).action(
    act(async (run, [ref, tags], flags) =>
      (await import("./commands/tag.js")).tag(run, ref as string, tags as string[], flags),
    ),
  );
  const platformOption = "--platform <os/arch[/variant]>";
  example(
    registryFlags(
      program
        .command("inspect")
        .description("show an image: its platforms and sizes, or its creation time, config settings and layers")
        .argument("<ref>")
        .option(platformOption, "from an index, this platform's image"),
    ),
    "toci inspect localhost:5001/demo/hello:v1 --platform linux/arm64",
  ).action(act(async (run, [ref], flags) => (await image()).inspect(run, ref as string, flags)));
  example(
    registryFlags(
      program
        .command("config")
        .description("print an image's config, exactly as the registry serves it")
        .argument("<ref>")
        .option(platformOption, "from an index, this platform's config (needed when it has several)"),
    ),
    "toci config localhost:5001/demo/hello:v1 --platform linux/amd64",
  ).action(act(async (run, [ref], flags) => (await image()).config(run, ref as string, flags)));
}

/** The commands that change a registry without a layout: attach, delete. */
function writeCommands(program: Command, act: Act): void {
  const write = () => import("./commands/write.js");
  example(
    registryFlags(
      program
        .command("attach")
        .description("push files as an OCI 1.1 artifact that refers to <ref> (an SBOM, a signature, ...)")
        .argument("<ref>")
        .argument("[files...]", "the files, one layer each")
        .requiredOption("--artifact-type <type>", "the artifact's type")
        .option("--media-type <type>", "the files' media type", "application/octet-stream")
        .option("--annotation <key=value>", "a manifest annotation (repeatable)", (v: string, all: string[] = []) => [
          ...all,
          v,
        ]),
    ),
    "toci attach localhost:5001/demo/hello:v1 --artifact-type application/spdx+json sbom.json",
  ).action(
    act(async (run, [ref, files], flags) => (await write()).attach(run, ref as string, files as string[], flags)),
  );

  example(
    registryFlags(
      program
        .command("delete")
        .alias("rm")
        .description("delete a manifest (by tag or digest: every tag on it goes) or a blob (by digest)")
        .argument("<ref>"),
    ),
    "toci delete localhost:5001/demo/hello:v1",
  ).action(act(async (run, [ref], flags) => (await write()).remove(run, ref as string, flags)));
}

/** login, logout, ping. */
function authCommands(program: Command, act: Act): void {
  const auth = () => import("./commands/auth.js");
  example(
    registryFlags(
      program
        .command("login")
        .description("check credentials against a registry, then store them (credential helper, else docker config)")
        .argument("<registry>"),
    ),
    'echo "$TOKEN" | toci login ghcr.io -u me --password-stdin',
  ).action(act(async (run, [registry], flags) => (await auth()).login(run, registry as string, flags)));

  example(
    program.command("logout").description("remove a registry's stored credentials").argument("<registry>"),
    "toci logout ghcr.io",
  ).action(act(async (run, [registry]) => (await auth()).logout(run, registry as string)));

  example(
    registryFlags(
      program.command("ping").description("check that a registry answers the OCI API").argument("<registry>"),
    ),
    "toci ping localhost:5001",
  ).action(act(async (run, [registry], flags) => (await auth()).ping(run, registry as string, flags)));
}

/** The local layout: ls, gc, rm, forget. */
function layoutCommands(program: Command, act: Act): void {
  const commands = () => import("./commands/layout.js");
  const layout = program.command("layout").description("manage the local OCI layout (ls, gc, rm, forget)");
  example(
    layout
      .command("ls")
      .description("list the layout's roots (name, digest, media type)")
      .option("--store <dir>", "the OCI layout", "./toci-store"),
    "toci layout ls --store ./toci-store",
  ).action(act(async (run, _args, flags) => (await commands()).layoutList(run, flags)));
  example(
    layout
      .command("gc")
      .description("delete blobs no root reaches, and abandoned partial downloads")
      .option("--store <dir>", "the OCI layout", "./toci-store"),
    "toci layout gc",
  ).action(act(async (run, _args, flags) => (await commands()).layoutGc(run, flags)));
  example(
    layout
      .command("rm")
      .description("remove roots by name (tag or full reference), then collect what they alone held")
      .argument("<name...>")
      .option("--store <dir>", "the OCI layout", "./toci-store"),
    "toci layout rm localhost:5001/demo/hello:v1",
  ).action(act(async (run, [names], flags) => (await commands()).layoutRemove(run, names as string[], flags)));
  example(
    layout
      .command("forget")
      .description("forget what was learnt about registries (kept a day), so the next command probes them again")
      .option("--store <dir>", "the OCI layout", "./toci-store"),
    "toci layout forget",
  ).action(act(async (run, _args, flags) => (await commands()).layoutForget(run, flags)));
}
