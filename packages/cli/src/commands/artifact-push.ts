// `toci artifact push`: files and directories as an OCI artifact (the client's pushArtifact), as `oras push` makes
// one: each argument is named by its relative path, directories packed as oras packs them (pack-dir.ts), `:type`
// after a path gives its media type. Without a tag the artifact is pushed by digest (a referrer usually is).
import { openAsBlob } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, normalize } from "node:path";
import type { PushFile } from "@toci/client";
import { type Descriptor, isValidMediaType } from "@toci/spec-types";
import { openSession, type RegistryFlags, reference } from "../context.js";
import { UsageError } from "../errors.js";
import { formatBytes } from "../output.js";
import { TransferView } from "../progress.js";
import type { Run } from "../run.js";
import { packDir } from "./pack-dir.js";
import { drive } from "./transfer.js";
import { parseAnnotations } from "./write.js";

export interface ArtifactPushFlags extends RegistryFlags {
  artifactType: string;
  annotation?: string[];
  subject?: string;
}

interface PathArgument {
  /** Where the file is. */
  path: string;
  /** Its name in the artifact: the path, cleaned, `/`-separated. */
  name: string;
  mediaType: string | undefined;
}

/** `path[:mediaType]`: the whole argument when such a file exists, else split at the last colon (as oras does). */
async function parsePath(argument: string): Promise<PathArgument> {
  let path = argument;
  let mediaType: string | undefined;
  const colon = argument.lastIndexOf(":");
  if (colon > 0 && !(await stat(argument).catch(() => undefined))) {
    path = argument.slice(0, colon);
    mediaType = argument.slice(colon + 1);
    if (!isValidMediaType(mediaType)) throw new UsageError(`${JSON.stringify(mediaType)} is not a media type`);
  }
  // oras refuses absolute paths too: the name travels with the artifact and says where `pull` writes the file.
  if (isAbsolute(path)) throw new UsageError(`${path}: give a relative path (it is the file's name in the artifact)`);
  const name = normalize(path).replace(/\/+$/, "");
  if (name === "." || name === ".." || name.startsWith("../")) {
    throw new UsageError(`${path}: name a file or directory below the current directory`);
  }
  return { path, name, mediaType };
}

/** The files to push: regular files as Blobs, directories packed into `scratch`. */
async function filesOf(paths: PathArgument[], scratch: string): Promise<PushFile[]> {
  const files: PushFile[] = [];
  for (const [i, { path, name, mediaType }] of paths.entries()) {
    const info = await stat(path).catch((error: Error) => {
      throw new UsageError(`cannot push ${path}: ${error.message}`);
    });
    if (info.isDirectory()) {
      const { descriptor, data } = await packDir(path, name, join(scratch, `${i}.tar.gz`));
      files.push({ name, data, mediaType: mediaType ?? descriptor.mediaType, annotations: descriptor.annotations });
    } else if (info.isFile()) {
      files.push({ name, data: await openAsBlob(path), ...(mediaType ? { mediaType } : {}) });
    } else throw new UsageError(`cannot push ${path}: not a file or a directory`);
  }
  return files;
}

export async function artifactPush(run: Run, refText: string, args: string[], flags: ArtifactPushFlags): Promise<void> {
  const { out } = run;
  const ref = reference(refText, { defaultTag: false });
  if (ref.digest) throw new UsageError("an artifact is pushed by tag, or by digest when no tag is given: drop @digest");
  if (!isValidMediaType(flags.artifactType)) throw new UsageError(`invalid --artifact-type ${flags.artifactType}`);
  const annotations = parseAnnotations(flags.annotation);
  const paths = await Promise.all((args ?? []).map(parsePath));
  const subjectRef = flags.subject === undefined ? undefined : reference(flags.subject);
  if (subjectRef && (subjectRef.registry !== ref.registry || subjectRef.repository !== ref.repository)) {
    throw new UsageError(`--subject must be in ${ref.registry}/${ref.repository}: a referrer lives beside its subject`);
  }
  const scratch = await mkdtemp(join(tmpdir(), "toci-artifact-"));
  const session = await openSession(out, flags, "memory");
  try {
    const files = await filesOf(paths, scratch);
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    let subject: Descriptor | undefined;
    if (subjectRef) {
      subject = await session.strict(repo).resolve(subjectRef.digest ?? subjectRef.tag!, { signal: run.signal });
    }
    const view = await TransferView.open(out, "push");
    const options = { artifactType: flags.artifactType, annotations, signal: run.signal, onBlob: view.onBlob };
    const root = await drive(
      view,
      repo.pushArtifact(files, { ...options, ...(ref.tag ? { tag: ref.tag } : {}), ...(subject ? { subject } : {}) }),
    );
    const target = ref.tag ? `${repo.reference}:${ref.tag}` : `${repo.reference}@${root.digest}`;
    out.result(
      { reference: target, ...root, ...(subject ? { subject } : {}), files: files.map(fileJson) },
      out.tty
        ? [
            `✓ pushed ${files.length} file(s) (${formatBytes(view.totalBytes)}) as ${target}`,
            `  digest         ${root.digest}`,
            `  artifactType   ${flags.artifactType}`,
            ...(subject ? [`  subject        ${subject.digest}`] : []),
          ]
        : [root.digest],
    );
  } finally {
    await session.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

function fileJson(file: PushFile): Record<string, unknown> {
  const data = file.data as Blob;
  const directory = file.annotations?.["io.deis.oras.content.unpack"] === "true";
  return {
    name: file.name,
    type: directory ? "directory" : "file",
    mediaType: file.mediaType ?? "application/octet-stream",
    size: data.size,
  };
}
