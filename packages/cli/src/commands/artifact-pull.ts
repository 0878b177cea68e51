// `toci artifact pull`: an artifact's files into a directory, as `oras pull` writes them: each titled layer under its
// title, oras directories (`io.deis.oras.content.unpack`) unpacked, layers without a title skipped (oras skips them
// too). Blobs stream from the registry (remote-store.ts) through the client's artifactFiles, verified as they flow,
// into a staging directory (staging.ts); names and tar entries are checked by @toci/archive's entryGuard (no name
// outside the directory, no case collisions, no link out, no device, no setuid) before anything is written.
import { resolve as resolvePath } from "node:path";
import { type EntryHeader, entryGuard, type SafeEntry, unpackDirectory } from "@toci/archive";
import { type ArtifactFile, artifactFiles } from "@toci/client";
import { OciError } from "@toci/spec-types";
import { openSession, platform, type RegistryFlags, reference } from "../context.js";
import { formatBytes } from "../output.js";
import { TransferView } from "../progress.js";
import type { Run } from "../run.js";
import { remoteStore } from "./remote-store.js";
import { checkTargets, Staging } from "./staging.js";

export interface ArtifactPullFlags extends RegistryFlags {
  output?: string;
  overwrite?: boolean;
  platform?: string;
}

export async function artifactPull(run: Run, refText: string, flags: ArtifactPullFlags): Promise<void> {
  const { out } = run;
  const ref = reference(refText);
  const wanted = platform(flags.platform);
  const dir = resolvePath(flags.output ?? ".");
  const overwrite = flags.overwrite === true;
  const session = await openSession(out, flags, "memory");
  try {
    const repo = session.strict((await session.registry(ref.registry)).repo(ref.repository));
    const root = await repo.resolve(ref.digest ?? ref.tag!, { platform: wanted, signal: run.signal });
    const all = await artifactFiles(remoteStore(repo, run.signal), root);
    const files = all.filter((f) => f.titled);
    const skipped = all.filter((f) => !f.titled);
    for (const f of skipped) out.note(`skipped ${f.descriptor.digest} (${f.mediaType}): it has no title to name it by`);
    const guard = checkNames(files);
    await checkTargets(dir, names(files), overwrite);
    const view = await TransferView.open(out, "pull");
    const staging = await Staging.open(dir);
    try {
      await writeAll(staging, { files, guard, view });
      view.stop();
      await staging.commit(names(files), overwrite);
    } finally {
      view.stop();
      await staging.close();
    }
    const size = files.reduce((n, f) => n + f.size, 0);
    out.result(
      {
        reference: ref.toString(),
        digest: root.digest,
        output: dir,
        files: files.map((f) => ({ name: f.name, type: f.type, size: f.size, digest: f.descriptor.digest })),
        skipped: skipped.map((f) => f.descriptor),
      },
      out.tty
        ? [
            `✓ pulled ${files.length} file(s) (${formatBytes(size)}) of ${ref} into ${flags.output ?? "."}`,
            ...files.map((f) => `  ${f.name}`),
          ]
        : files.map((f) => f.name),
    );
  } finally {
    await session.close();
  }
}

function names(files: readonly ArtifactFile[]): string[] {
  return files.map((f) => f.name);
}

/**
 * Checks the artifact's names before anything is fetched, and returns the guard that goes on checking the entries
 * of its directories: a title that entryGuard refuses, one used twice (or twice but for case), or one that lies
 * inside another title's directory is INVALID_ARGUMENT.
 */
function checkNames(files: readonly ArtifactFile[]): (entry: EntryHeader) => SafeEntry {
  const guard = entryGuard();
  const seen = new Set<string>();
  for (const file of files) {
    const folded = file.name.normalize("NFC").toLowerCase();
    if (seen.has(folded))
      throw new OciError("INVALID_ARGUMENT", `two files of the artifact are named ${JSON.stringify(file.name)}`);
    seen.add(folded);
    guard(header(file.name, file.type));
  }
  for (const file of files) {
    const inside = files.find((other) => other.type === "directory" && file.name.startsWith(`${other.name}/`));
    if (inside) {
      throw new OciError(
        "INVALID_ARGUMENT",
        `${JSON.stringify(file.name)} lies inside the directory ${JSON.stringify(inside.name)} of the same artifact`,
      );
    }
  }
  return guard;
}

function header(path: string, type: "file" | "directory"): EntryHeader {
  return { path, type, size: 0, mode: type === "directory" ? 0o755 : 0o644, uid: 0, gid: 0, mtime: 0 };
}

/** Every file into the staging directory: files as they are, directories unpacked entry by entry. */
async function writeAll(
  staging: Staging,
  job: { files: readonly ArtifactFile[]; guard: (entry: EntryHeader) => SafeEntry; view: TransferView },
): Promise<void> {
  const { view } = job;
  let done = 0;
  const total = job.files.reduce((n, f) => n + f.size, 0);
  const progress = (file: ArtifactFile) => {
    let bytes = 0;
    view.onBlob(file.descriptor, 0);
    return new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        done += chunk.byteLength;
        view.onBlob(file.descriptor, bytes);
        view.event({
          type: "progress",
          percent: Math.floor((done * 99) / Math.max(total, 1)),
          bytes: done,
          totalBytes: total,
        });
        controller.enqueue(chunk);
      },
    });
  };
  for (const file of job.files) {
    const stream = file.stream().pipeThrough(progress(file));
    if (file.type === "file") {
      await staging.write({ path: file.name, type: "file", mode: 0o644 }, stream);
      continue;
    }
    await staging.write({ path: file.name, type: "directory", mode: 0o755 });
    for await (const entry of unpackDirectory(stream, file.descriptor)) {
      const inner = `${file.name}/${entry.path}`;
      const safe = job.guard({
        ...header(inner, "file"),
        type: entry.type,
        mode: entry.mode,
        linkTarget: linkOf(file, entry),
      });
      await staging.write(safe, entry.type === "file" ? entry.stream() : undefined);
    }
  }
}

/** An unpacked entry's link target as the whole pull's guard sees it: hard links name a path from the top. */
function linkOf(file: ArtifactFile, entry: SafeEntry): string | undefined {
  if (entry.type === "link") return `${file.name}/${entry.linkTarget}`;
  return entry.linkTarget;
}
