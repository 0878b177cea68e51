// Commands that change a registry without a layout: attach (an OCI 1.1 artifact whose subject is the reference)
// and delete.
import { createReadStream, openAsBlob } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import {
  ANNOTATION_CREATED,
  ANNOTATION_TITLE,
  baseDescriptor,
  createHasher,
  type Descriptor,
  describe,
  EMPTY_DESCRIPTOR,
  EMPTY_JSON,
  isOciError,
  isValidMediaType,
  OCI_MANIFEST,
  type TransferEvent,
  writeBlob,
} from "@toci/spec-types";
import { openSession, type RegistryFlags, reference } from "../context.js";
import { UsageError } from "../errors.js";
import { formatBytes } from "../output.js";
import { TransferView } from "../progress.js";
import type { Run } from "../run.js";

export interface AttachFlags extends RegistryFlags {
  artifactType: string;
  mediaType?: string;
  annotation?: string[];
}

async function fileDescriptor(path: string, mediaType: string): Promise<Descriptor> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error("not a regular file");
    size = info.size;
  } catch (error) {
    throw new UsageError(`cannot attach ${path}: ${(error as Error).message}`);
  }
  const hasher = await createHasher("sha256");
  for await (const chunk of createReadStream(path)) hasher.update(chunk as Uint8Array);
  return { mediaType, digest: hasher.digest(), size, annotations: { [ANNOTATION_TITLE]: basename(path) } };
}

export function parseAnnotations(values: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values ?? []) {
    const eq = value.indexOf("=");
    if (eq <= 0) throw new UsageError(`--annotation needs key=value, got ${JSON.stringify(value)}`);
    out[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return out;
}

/** Runs a transfer whose bytes the per-blob bars already show; throws its failure. */
async function drain(events: AsyncIterable<TransferEvent>): Promise<void> {
  for await (const event of events) if (event.type === "failed") throw event.error;
}

export async function attach(run: Run, refText: string, files: string[], flags: AttachFlags): Promise<void> {
  const ref = reference(refText);
  if (!isValidMediaType(flags.artifactType)) throw new UsageError(`invalid --artifact-type ${flags.artifactType}`);
  const layerType = flags.mediaType ?? "application/octet-stream";
  if (!isValidMediaType(layerType)) throw new UsageError(`invalid --media-type ${layerType}`);
  const annotations = parseAnnotations(flags.annotation);
  const layers = await Promise.all(files.map((f) => fileDescriptor(f, layerType)));
  const session = await openSession(run.out, flags, "memory");
  try {
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    const subject = await session.strict(repo).resolve(ref.digest ?? ref.tag!, { signal: run.signal });
    const view = await TransferView.open(run.out, "attach");
    try {
      // The blobs straight from the files (a Blob can be re-read, so an upload can resume), then the manifest.
      await drain(repo.push(EMPTY_JSON, EMPTY_DESCRIPTOR, { signal: run.signal }));
      for (const [i, layer] of layers.entries()) {
        const data = await openAsBlob(files[i]!);
        view.onBlob(layer, 0);
        for await (const event of repo.push(data, layer, { signal: run.signal })) {
          if (event.type === "failed") throw event.error;
          view.onBlob(layer, Math.min(layer.size, event.bytes));
        }
        view.onBlob(layer, layer.size);
      }
      const manifest = {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: flags.artifactType,
        config: EMPTY_DESCRIPTOR,
        layers: layers.length ? layers : [EMPTY_DESCRIPTOR],
        subject: baseDescriptor(subject),
        annotations: { [ANNOTATION_CREATED]: new Date().toISOString().replace(/\.\d+Z$/, "Z"), ...annotations },
      };
      const bytes = new TextEncoder().encode(JSON.stringify(manifest));
      const descriptor = { ...(await describe(bytes, { mediaType: OCI_MANIFEST })), artifactType: flags.artifactType };
      // Through the store, so the client pushes it as a tree (blobs found present) and keeps the referrers index.
      await writeBlob(session.client.store, descriptor, bytes);
      await drain(repo.push(descriptor, { signal: run.signal }));
      view.stop();
      const size = layers.reduce((n, l) => n + l.size, 0);
      run.out.result(
        { reference: ref.toString(), subject, ...descriptor, files: layers },
        run.out.tty
          ? [
              `✓ attached ${layers.length} file(s) (${formatBytes(size)}) to ${ref}`,
              `  digest         ${descriptor.digest}`,
              `  artifactType   ${flags.artifactType}`,
              `  subject        ${subject.digest}`,
            ]
          : [descriptor.digest],
      );
    } finally {
      view.stop();
    }
  } finally {
    await session.close();
  }
}

export async function remove(run: Run, refText: string, flags: RegistryFlags): Promise<void> {
  const ref = reference(refText, { defaultTag: false });
  if (!ref.tag && !ref.digest) throw new UsageError(`toci delete needs a tag or a digest, got ${refText}`);
  const session = await openSession(run.out, flags, "memory");
  try {
    const repo = (await session.registry(ref.registry)).repo(ref.repository);
    const strict = session.strict(repo);
    const descriptor = await strict.resolve(ref.digest ?? ref.tag!, { signal: run.signal }).catch((error: unknown) => {
      // Not a manifest: maybe a blob.
      if (ref.digest && isOciError(error) && error.code === "MANIFEST_UNKNOWN") {
        return strict.resolveBlob(ref.digest, { signal: run.signal });
      }
      throw error;
    });
    // By digest, as oras and crane do: distribution (2.8.2 included) deletes manifests, not tags, so every tag
    // pointing at this manifest goes with it.
    await strict.delete(descriptor, { signal: run.signal });
    run.out.result({ reference: ref.toString(), deleted: descriptor }, [
      `deleted ${repo.reference}@${descriptor.digest}`,
    ]);
  } finally {
    await session.close();
  }
}
