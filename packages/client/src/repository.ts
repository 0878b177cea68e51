// A repository on a registry, with the error model of the client: network, protocol and store failures never throw
// out of these calls; they come back as undefined, false, [] or a `failed` event carrying an OciError, and the
// logger receives every one. The reading calls are the pull entry's (pull-repository.ts); push, pushArtifact, tag
// and delete are here. Each call is a guarded call of the throwing core (StrictRepository, internal/remote.ts).
import { type Descriptor, type Index, type Manifest, OciError, type TransferEvent } from "@toci/spec-types";
import type { PushArtifactOptions, PushFile } from "./artifact-options.js";
import { checkDescriptor } from "./internal/checks.js";
import type { RegistryContext } from "./internal/context.js";
import { guarded, transferOf } from "./internal/guarded.js";
import { artifactPushWork } from "./internal/push/push-artifact.js";
import { treePushWork } from "./internal/push/push-tree.js";
import { sourceOf } from "./internal/push/source.js";
import { uploadBlob } from "./internal/push/upload.js";
import type { Remote } from "./internal/remote.js";
import { blobReport, type Work } from "./internal/transfer.js";
import { PullRepository, pullHandles } from "./pull-repository.js";
import type { Registry } from "./registry.js";
import type { BlobPushOptions, PushData, SignalOptions, TagOptions, TreePushOptions } from "./repository-options.js";
import { StrictRepository } from "./strict-repository.js";

/**
 * A repository on a registry: list its tags, resolve and fetch content, pull into the client's store, push from it,
 * tag, delete, and find referrers. Obtained from `registry.repo(name)`.
 *
 * No call throws for a network, protocol or store failure: it resolves `undefined`, `false` or `[]`, or a transfer
 * ends with a `failed` event, and the client's logger receives the `OciError`. `strict(repo)` from
 * `@toci/client/strict` gives the same calls throwing instead.
 */
export class Repository extends PullRepository {
  /** The registry this repository is on. */
  declare readonly registry: Registry;

  /** @internal Use `registry.repo(name)`. */
  constructor(registry: Registry, name: string, context: RegistryContext) {
    super(registry, name, context, (remote) => new StrictRepository(remote));
  }

  /**
   * Pushes one blob (`repo.push(data, expected)`), or a manifest or index from the store with everything under it
   * (`repo.push(root, { tag })`). Yields progress by bytes, then `progress 100` or `failed`. A blob push interrupted
   * (network, abort, restart) is resumed by the same call made again: the session is remembered, in the store when
   * it can keep it.
   */
  push(data: PushData, expected: Descriptor, options?: BlobPushOptions): AsyncIterable<TransferEvent>;
  push(root: Descriptor, options?: TreePushOptions): AsyncIterable<TransferEvent>;
  push(
    first: PushData | Descriptor,
    second?: Descriptor | TreePushOptions,
    third?: BlobPushOptions,
  ): AsyncIterable<TransferEvent> {
    const { remote } = pullHandles(this);
    if (isPushData(first)) {
      const expected = second as Descriptor;
      const options = third ?? {};
      const what = `push ${this.reference}@${expected?.digest}`;
      return transferOf(remote, what, blobPush(remote, { data: first, expected, options }), options.signal);
    }
    const options = (second ?? {}) as TreePushOptions;
    const push = { root: first, tag: options.tag, mountFrom: options.mountFrom ?? [], onBlob: options.onBlob };
    return transferOf(remote, `push ${this.reference}`, treePushWork(remote, push), options.signal);
  }

  /**
   * Pushes files as an artifact (image-spec's guidance for artifacts, as oras does): one layer per file titled with
   * its name, the empty config unless `config` is given, `artifactType`, `org.opencontainers.image.created`; with
   * `subject`, a referrer of it. Files are hashed, then uploaded (a Blob is streamed both times, never held whole).
   * Yields progress by bytes, then `progress 100` with the manifest as `root`, or `failed`. Nothing is stored.
   */
  pushArtifact(files: readonly PushFile[], options: PushArtifactOptions): AsyncIterable<TransferEvent> {
    const { remote } = pullHandles(this);
    const work = artifactPushWork(remote, files, options ?? {});
    return transferOf(remote, `push artifact ${this.reference}`, work, options?.signal);
  }

  /**
   * Tags a manifest or index: a descriptor (its bytes come from the store, else the registry), the manifest's exact
   * bytes, or a Manifest/Index object (serialised once, as new content). Several tags use `?tag=` where the
   * registry supports it (spec main), one PUT per tag otherwise. Resolves the descriptor, or undefined (logged).
   */
  async tag(
    manifest: Descriptor | Uint8Array | Manifest | Index,
    reference: string | string[],
    options: TagOptions = {},
  ): Promise<Descriptor | undefined> {
    const { remote, strict } = repositoryHandles(this);
    return guarded(remote, "tag", undefined, () => strict.tag(manifest, reference, options));
  }

  /**
   * Deletes a manifest or blob by descriptor, or a tag by name where the registry allows it (distribution 2.8.2
   * does not: it answers 400). A deleted manifest with a subject leaves the referrers fallback index too. Resolves
   * true when deleted, false otherwise (logged).
   */
  async delete(target: Descriptor | string, options: SignalOptions = {}): Promise<boolean> {
    const { remote, strict } = repositoryHandles(this);
    return guarded(remote, "delete", false, async () => {
      await strict.delete(target, options);
      return true;
    });
  }
}

/** The core and the strict face of a Repository, for `client.copy` and `strict()`. Not exported by the package. */
export function repositoryHandles(repository: Repository): { remote: Remote; strict: StrictRepository } {
  if (!(repository instanceof Repository)) {
    throw new OciError("INVALID_ARGUMENT", `not a Repository of @toci/client: ${String(repository)}`);
  }
  // A Repository made its strict face a StrictRepository (its constructor above).
  return pullHandles(repository) as { remote: Remote; strict: StrictRepository };
}

/** What a blob push is given: the bytes, what they must be, and the caller's options. */
interface BlobPush {
  data: PushData;
  expected: Descriptor;
  options: BlobPushOptions;
}

/** The work of a blob push: the source opened and closed around the upload. */
function blobPush(remote: Remote, { data, expected, options }: BlobPush): Work {
  return (reporter) =>
    remote.run(reporter.signal, async (signal) => {
      checkDescriptor(expected);
      reporter.addTotal(expected.size);
      const source = await sourceOf(data, expected);
      const { monolithicMax, chunkSize } = remote.options;
      const tuning = { monolithicMax, chunkSize, mountFrom: options.mountFrom ?? [] };
      try {
        await uploadBlob(remote, { source, expected, tuning, report: blobReport(reporter) }, signal);
      } finally {
        await source.close();
      }
      return expected;
    });
}

function isPushData(value: unknown): value is PushData {
  return (
    value instanceof Uint8Array ||
    value instanceof ReadableStream ||
    (typeof Blob !== "undefined" && value instanceof Blob)
  );
}
