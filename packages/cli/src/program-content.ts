// The commands that move content in and out as files: artifacts (push, pull), the files of an image (files, cat),
// and image archives (export, import). Like every command, each loads its code when it runs.
import type { Command } from "commander";
import type { Act } from "./program.js";

/** The flag helpers of program.ts, handed in (so that this file does not import program.ts back). */
export interface FlagHelpers {
  registryFlags(command: Command): Command;
  transferFlags(command: Command): Command;
  example(command: Command, ...lines: string[]): Command;
}

const repeatable = (value: string, all: string[] = []) => [...all, value];
const PLATFORM = "--platform <os/arch[/variant]>";

export function contentCommands(program: Command, act: Act, helpers: FlagHelpers): void {
  artifactCommands(program, act, helpers);
  filesCommands(program, act, helpers);
  archiveCommands(program, act, helpers);
}

function artifactCommands(program: Command, act: Act, { registryFlags, transferFlags, example }: FlagHelpers): void {
  const artifact = program.command("artifact").description("push files as an OCI artifact, pull an artifact's files");
  example(
    transferFlags(
      registryFlags(
        artifact
          .command("push")
          .description("push files and directories as an OCI artifact, one layer each (directories as oras packs them)")
          .argument("<ref>", "registry/repository[:tag] (without a tag: pushed by digest)")
          .argument("[file|dir[:mediaType]...]", "relative paths; each is named by its path in the artifact")
          .requiredOption("--artifact-type <type>", "the artifact's type (a media type)")
          .option("--annotation <key=value>", "a manifest annotation (repeatable)", repeatable)
          .option("--subject <ref>", "make the artifact a referrer of this manifest (same repository)"),
      ),
    ),
    "toci artifact push localhost:5001/demo/model:v1 weights.bin:application/octet-stream docs/ --artifact-type application/vnd.example.model.v1",
  ).action(
    act(async (run, [ref, paths], flags) =>
      (await import("./commands/artifact-push.js")).artifactPush(run, ref as string, paths as string[], flags),
    ),
  );
  example(
    registryFlags(
      artifact
        .command("pull")
        .description("pull an artifact's files into a directory, by title (oras directories unpacked)")
        .argument("<ref>", "registry/repository[:tag|@digest]")
        .option("-o, --output <dir>", "where to write the files", ".")
        .option("--overwrite", "replace files and directories that exist")
        .option(PLATFORM, "from an index, this platform's manifest"),
    ),
    "toci artifact pull localhost:5001/demo/model:v1 -o ./model",
  ).action(
    act(async (run, [ref], flags) =>
      (await import("./commands/artifact-pull.js")).artifactPull(run, ref as string, flags),
    ),
  );
}

function filesCommands(program: Command, act: Act, { registryFlags, example }: FlagHelpers): void {
  const files = () => import("./commands/files.js");
  example(
    registryFlags(
      program
        .command("files")
        .description("list the filesystem of an image (its layers merged, whiteouts applied), one path a line")
        .argument("<ref>")
        .option(PLATFORM, "from an index, this platform's image")
        .option("-l, --long", "type, mode, owner, size and time, as `tar tv` prints them"),
    ),
    "toci files localhost:5001/demo/hello:v1 --platform linux/amd64",
  ).action(act(async (run, [ref], flags) => (await files()).files(run, ref as string, flags)));
  example(
    registryFlags(
      program
        .command("cat")
        .description("write one file of an image to stdout (symlinks followed inside the image)")
        .argument("<ref>")
        .argument("<path>", "the file's path in the image, e.g. /etc/os-release")
        .option(PLATFORM, "from an index, this platform's image")
        .option("-o, --output <file|->", "write to this file; - for stdout, binary included even on a terminal"),
    ),
    "toci cat localhost:5001/demo/hello:v1 /etc/os-release --platform linux/amd64",
  ).action(act(async (run, [ref, path], flags) => (await files()).cat(run, ref as string, path as string, flags)));
}

function archiveCommands(program: Command, act: Act, { registryFlags, transferFlags, example }: FlagHelpers): void {
  const archive = () => import("./commands/archive.js");
  example(
    transferFlags(
      registryFlags(
        program
          .command("export")
          .description("pull an image into the layout (resuming), then write it as a tar: oci-archive or docker load")
          .argument("<ref>")
          .requiredOption("-o, --output <file|->", "the tar file, or - for stdout")
          .option("--format <oci|docker>", "oci: an OCI layout archive; docker: what docker load reads", "oci")
          .option(PLATFORM, "from an index, this platform's image (docker needs one image)")
          .option("--store <dir>", "the OCI layout the image is pulled into", "./toci-store"),
      ),
    ),
    "toci export localhost:5001/demo/hello:v1 -o hello.tar --format docker --platform linux/amd64",
  ).action(act(async (run, [ref], flags) => (await archive()).exportImage(run, ref as string, flags)));
  example(
    program
      .command("import")
      .description("read an image archive (oci-archive, docker save) into the layout; then `toci push` sends it")
      .argument("<file|->", "the tar file, or - for stdin")
      .option("--store <dir>", "the OCI layout", "./toci-store")
      .option("--tag <name>", "name the image so (a tag, or registry/repository:tag) instead of the archive's names"),
    "toci import hello.tar --tag localhost:5001/demo/hello:v2 && toci push localhost:5001/demo/hello:v2",
  ).action(act(async (run, [file], flags) => (await archive()).importImage(run, file as string, flags)));
}
