// `toci export` and `toci import`: image archives out of and into the OCI layout, by @toci/archive. Export pulls into
// the layout first (a rerun resumes what an interrupted one left), then writes the tar from it: to a temporary name
// renamed when complete, so that no file looks like a finished archive unless it is one; import verifies every blob
// on its way in and names the images only once they are whole.
import { createWriteStream, openAsBlob } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { Readable, Writable } from "node:stream";
import { exportArchive, importArchive } from "@toci/archive";
import { ANNOTATION_CONTAINERD_IMAGE_NAME, ANNOTATION_REF_NAME, type Descriptor, OciError } from "@toci/spec-types";
import { openSession, platform, type RegistryFlags, reference } from "../context.js";
import { UsageError } from "../errors.js";
import { formatBytes } from "../output.js";
import { TransferView } from "../progress.js";
import type { Run } from "../run.js";
import { toStdout } from "./stdout.js";
import { DEFAULT_STORE, drive } from "./transfer.js";

export interface ExportFlags extends RegistryFlags {
  output: string;
  format?: string;
  platform?: string;
  store?: string;
}

export interface ImportFlags {
  store?: string;
  tag?: string;
  json?: boolean;
}

export async function exportImage(run: Run, refText: string, flags: ExportFlags): Promise<void> {
  const { out } = run;
  const ref = reference(refText);
  const wanted = platform(flags.platform);
  const format = flags.format ?? "oci";
  if (format !== "oci" && format !== "docker") throw new UsageError(`--format is oci or docker, not ${format}`);
  const toStdoutToo = flags.output === "-";
  if (toStdoutToo && out.json) throw new UsageError("-o - and --json both want stdout: write the archive to a file");
  if (toStdoutToo && process.stdout.isTTY) throw new UsageError("refusing to write a tar to a terminal: use -o FILE");
  const dir = resolvePath(flags.store ?? DEFAULT_STORE);
  const session = await openSession(out, flags, { dir });
  try {
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    const view = await TransferView.open(out, "pull");
    // By tag, the pull names the root in the layout; by digest, it is pulled as resolved (narrowed to the platform).
    const what = ref.digest
      ? await session.strict(repo).resolve(ref.digest, { platform: wanted, signal: run.signal })
      : ref.tag!;
    const root = await drive(view, repo.pull(what, { platform: wanted, signal: run.signal, onBlob: view.onBlob }));
    const name = ref.tag ? `${ref.name}:${ref.tag}` : undefined;
    const tar = await exportArchive(session.client.store, root, { format, name, signal: run.signal });
    const bytes = toStdoutToo ? await counted(tar, toStdout) : await toFile(tar, resolvePath(flags.output));
    const line = `exported ${ref} (${root.digest}) as ${format} to ${flags.output}: ${formatBytes(bytes)}`;
    // With -o -, stdout holds the archive: the summary goes to stderr.
    if (toStdoutToo) out.note(line);
    else
      out.result({ reference: ref.toString(), digest: root.digest, format, output: flags.output, bytes, store: dir }, [
        line,
      ]);
  } finally {
    await session.close();
  }
}

/** Writes a stream to `file` through a temporary name in the same directory, renamed once all of it is written. */
async function toFile(stream: ReadableStream<Uint8Array>, file: string): Promise<number> {
  const partial = `${file}.toci-partial-${process.pid}`;
  try {
    const bytes = await counted(stream, (s) => s.pipeTo(Writable.toWeb(createWriteStream(partial, { flags: "wx" }))));
    await rename(partial, file);
    return bytes;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** Runs `sink` on the stream, counting its bytes. */
async function counted(
  stream: ReadableStream<Uint8Array>,
  sink: (stream: ReadableStream<Uint8Array>) => Promise<void>,
): Promise<number> {
  let bytes = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  await sink(stream.pipeThrough(counter));
  return bytes;
}

export async function importImage(run: Run, file: string, flags: ImportFlags): Promise<void> {
  const { out } = run;
  const dir = resolvePath(flags.store ?? DEFAULT_STORE);
  let source: Blob | ReadableStream<Uint8Array>;
  if (file === "-") {
    if (process.stdin.isTTY) throw new UsageError("import - reads the archive from stdin: pipe one in, or name a file");
    source = Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>;
  } else {
    try {
      // A Blob can be read twice: a classic docker save archive is then never held in memory.
      source = await openAsBlob(file);
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
  }
  const { fsStore } = await import("@toci/store-fs");
  const store = await fsStore(dir);
  try {
    const roots = await importArchive(store, source, flags.tag !== undefined ? { tag: flags.tag } : {});
    if (roots.length === 0) throw new OciError("INVALID_ARGUMENT", `${file} holds no image`);
    out.result(
      { store: dir, roots: roots.map((r) => ({ name: nameOf(r), ...r })) },
      roots.map((r) => `imported ${nameOf(r) ?? "(unnamed)"} ${r.digest} into ${flags.store ?? DEFAULT_STORE}`),
    );
  } finally {
    await store.close();
  }
}

function nameOf(root: Descriptor): string | undefined {
  return root.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME] ?? root.annotations?.[ANNOTATION_REF_NAME];
}
