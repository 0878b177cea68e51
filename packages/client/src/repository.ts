// A repository on a registry: koci's Repository (tags, resolve, exists, fetch, pull, push, tag) plus delete and
// referrers, with the
// error model of DESIGN.md §3: network, protocol and store failures never throw out of these calls; they come back
// as undefined / false / [] / a `failed` event carrying an OciError, and the logger receives every one.
import {
  baseDescriptor,
  createVerifier,
  type Descriptor,
  formatPlatform,
  type Index,
  isDigest,
  isIndex,
  isManifestOrIndexMediaType,
  isTag,
  type Manifest,
  manifestMediaType,
  OCTET_STREAM,
  OciError,
  type Platform,
  type PlatformMatcher,
  parseManifest,
  platformMatcher,
  readAll,
  selectPlatform,
  type TransferEvent,
  toOciError,
} from "@toci/spec-types";
import { DELETE, PULL, repositoryScope } from "./internal/auth/scope.js";
import { base64Bytes } from "./internal/base64.js";
import { assertOpen, openOperation, type RegistryContext } from "./internal/context.js";
import { registerContext } from "./internal/contexts.js";
import { discard } from "./internal/http.js";
import { nextLink } from "./internal/link.js";
import { describeManifest, putManifest, removeReferrer } from "./internal/manifest-put.js";
import { fetchManifestBytes, ManifestCache, resolveManifest } from "./internal/manifests.js";
import { readStored } from "./internal/pull/graph.js";
import { runPull } from "./internal/pull/pull.js";
import { runTreePush } from "./internal/push/push-tree.js";
import { type PushData, sourceOf } from "./internal/push/source.js";
import { uploadBlob } from "./internal/push/upload.js";
import { listReferrers } from "./internal/referrers.js";
import { blobReport, transfer } from "./internal/transfer.js";
import type { Registry } from "./registry.js";

/** A platform to choose from an index: a predicate, a Platform, or `os/arch[/variant]`. */
export type PlatformSelector = PlatformMatcher | Platform | string;

/** Options of {@link Repository.resolve}. */
export interface ResolveOptions {
  /** With an index: resolve to its first manifest for this platform instead of the index itself. */
  platform?: PlatformSelector;
  signal?: AbortSignal;
}

/** Options of {@link Repository.pull}. */
export interface PullOptions {
  /**
   * With an index: pull only the first manifest for this platform, and name it (not the index) with the tag, as
   * skopeo does. Without: the index and every child.
   */
  platform?: PlatformSelector;
  /** Cancels the pull; it ends with a `failed` event (`ABORTED`), partial blobs kept for resuming. */
  signal?: AbortSignal;
  /** Per-blob progress (layers and configs), for per-blob progress bars; see {@link BlobProgressCallback}. */
  onBlob?: BlobProgressCallback;
}

/**
 * Called as each blob (config or layer) of a pull, push or copy advances: with its descriptor and the bytes of it
 * done so far (transferred, or found already present), first with what is already held, last with
 * `descriptor.size`. The transfer's own events carry the totals; this is only for showing blobs one by one.
 * A callback that throws is ignored.
 */
export type BlobProgressCallback = (descriptor: Descriptor, bytes: number) => void;

/** Options of {@link Repository.fetch}. */
export interface FetchOptions {
  signal?: AbortSignal;
}

/** Options of a blob push, `repo.push(data, expected, options)`. */
export interface BlobPushOptions {
  /** Repositories on the same registry that may hold the blob: it is mounted from them instead of uploaded. */
  mountFrom?: string[];
  /** Cancels the push; it ends with `ABORTED`, and the upload session is kept for a rerun to resume. */
  signal?: AbortSignal;
}

/** Options of a tree push, `repo.push(root, options)`. */
export interface TreePushOptions {
  /** Tag the root with this, on the registry and in the store. Without it the root is pushed by digest. */
  tag?: string;
  signal?: AbortSignal;
  /** Per-blob progress; see {@link BlobProgressCallback}. */
  onBlob?: BlobProgressCallback;
}

/** Options of {@link Repository.tag}. */
export interface TagOptions {
  signal?: AbortSignal;
}

/** Options of {@link Repository.referrers}. */
export interface ReferrersOptions {
  /** Only referrers of this artifact type. */
  artifactType?: string;
  signal?: AbortSignal;
}

/** What `repo.push(data, expected)` accepts as data: bytes, a Blob, or a stream (read once). */
export type { PushData } from "./internal/push/source.js";

/** The longest tag list followed: 10^6 tags in pages; a registry that loops forever is cut here. */
const MAX_PAGES = 10_000;
/** The largest tags/catalog page read (a 10^4-tag page is ~400 KiB). */
const MAX_LIST_PAGE = 16 * 1024 * 1024;

export class Repository {
  /** The registry this repository is on. */
  readonly registry: Registry;
  /** The repository's name (`library/ubuntu`). */
  readonly name: string;
  readonly #context: RegistryContext;
  readonly #cache = new ManifestCache();

  /** @internal Use `registry.repo(name)`. */
  constructor(registry: Registry, name: string, context: RegistryContext) {
    this.registry = registry;
    this.name = name;
    this.#context = context;
    registerContext(this, context);
  }

  /** @internal The manifest cache, for copy. */
  get _cache(): ManifestCache {
    return this.#cache;
  }

  /** @internal resolve() that throws its OciError, for copy. */
  _resolve(reference: string, platform: PlatformSelector | undefined, signal: AbortSignal): Promise<Descriptor> {
    return this.#resolve(reference, platform, signal);
  }

  /** @internal Narrows an index to the platform's manifest, for copy. */
  _narrow(descriptor: Descriptor, platform: PlatformSelector, signal: AbortSignal): Promise<Descriptor> {
    return this.#narrow(descriptor, toMatcher(platform), signal);
  }

  /** `host/name`, the repository's full name in references. */
  get reference(): string {
    return `${this.#context.name}/${this.name}`;
  }

  /**
   * Every tag, following `Link` pages (or `last` when the registry sends no Link). `tags: null` counts as none.
   * Resolves `[]` on failure, with the error logged.
   */
  async tags(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    return this.#guard(
      "tags",
      [],
      async (signal) => {
        const tags: string[] = [];
        const seen = new Set<string>();
        const scopes = [repositoryScope(this.name, PULL)];
        // n=1000: ECR rejects more (spec-checklist.md §3.5); registries that ignore n send everything at once.
        let url: string | undefined = this.#context.http.url(`${this.name}/tags/list?n=1000`);
        for (let page = 0; url && page < MAX_PAGES; page++) {
          const response = await this.#context.http.send({ method: "GET", url, scopes, signal });
          if (response.status !== 200) throw await this.#context.http.error(response, "GET", url, "NAME_UNKNOWN");
          const body = await readJson(response.body);
          const list = (body as { tags?: unknown } | null)?.tags;
          if (list !== null && list !== undefined && !Array.isArray(list)) {
            throw new OciError("PROTOCOL", "the tags list is not an array");
          }
          let added = 0;
          // Only tags the grammar allows, as the catalog keeps only repository names: what a registry lists is
          // printed to terminals and sent back in URLs, and a control character or a 1 MB "tag" is neither.
          for (const tag of (list ?? []) as unknown[]) {
            if (isTag(tag) && !seen.has(tag)) {
              seen.add(tag);
              tags.push(tag);
              added++;
            }
          }
          const next = this.#next(response.headers.get("link"), url);
          // Without a Link, a full page may hide more: ask again after the last tag (a tag, not an index).
          url =
            next ??
            (added >= 1000 && tags.length
              ? this.#context.http.url(`${this.name}/tags/list?n=1000&last=${encodeURIComponent(tags.at(-1)!)}`)
              : undefined);
          if (added === 0) break; // a registry that repeats itself
        }
        return tags;
      },
      options.signal,
    );
  }

  /**
   * The descriptor a tag (or digest) points at: HEAD, falling back to GET when the registry gives no digest. With
   * `platform`, an index resolves to its first matching manifest. Resolves undefined on failure, logged.
   */
  async resolve(reference: string, options: ResolveOptions = {}): Promise<Descriptor | undefined> {
    return this.#guard(
      "resolve",
      undefined,
      (signal) => this.#resolve(reference, options.platform, signal),
      options.signal,
    );
  }

  /**
   * The descriptor of a blob by digest (HEAD on the blob endpoint): its size from `Content-Length`, media type
   * `application/octet-stream` (a registry does not know a blob's type). For fetching a blob known only by digest.
   * Resolves undefined on failure (`BLOB_UNKNOWN` when absent), logged.
   */
  async resolveBlob(digest: string, options: { signal?: AbortSignal } = {}): Promise<Descriptor | undefined> {
    return this.#guard(
      "resolveBlob",
      undefined,
      async (signal) => {
        if (!isDigest(digest)) throw new OciError("INVALID_ARGUMENT", `not a digest: ${JSON.stringify(digest)}`);
        const path = `${this.name}/blobs/${digest}`;
        const response = await this.#context.http.send({
          method: "HEAD",
          path,
          scopes: [repositoryScope(this.name, PULL)],
          signal,
        });
        await discard(response);
        if (response.status !== 200) {
          throw await this.#context.http.error(response, "HEAD", this.#context.http.url(path), "BLOB_UNKNOWN");
        }
        const size = Number(response.headers.get("content-length") ?? Number.NaN);
        if (!Number.isSafeInteger(size) || size < 0) {
          throw new OciError("PROTOCOL", "the registry gave no Content-Length for the blob");
        }
        return { mediaType: OCTET_STREAM, digest, size };
      },
      options.signal,
    );
  }

  /** Whether the registry has this content (HEAD on the manifest or blob endpoint). False on failure, logged. */
  async exists(descriptor: Descriptor, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return this.#guard(
      "exists",
      false,
      async (signal) => {
        checkDescriptor(descriptor);
        const kind = isManifestOrIndexMediaType(descriptor.mediaType) ? "manifests" : "blobs";
        const path = `${this.name}/${kind}/${descriptor.digest}`;
        const response = await this.#context.http.send({
          method: "HEAD",
          path,
          headers: kind === "manifests" ? { accept: acceptOf(descriptor) } : {},
          scopes: [repositoryScope(this.name, PULL)],
          signal,
        });
        await discard(response);
        if (response.status === 200) return true;
        if (response.status === 404) return false;
        throw await this.#context.http.error(response, "HEAD", this.#context.http.url(path), "NOT_FOUND");
      },
      options.signal,
    );
  }

  /**
   * Streams content to `handler`, verified as it flows: a size or digest mismatch errors the stream, and then the
   * call resolves undefined (logged) whatever the handler returned.
   */
  async fetch<T>(
    descriptor: Descriptor,
    handler: (stream: ReadableStream<Uint8Array>) => Promise<T> | T,
    options: FetchOptions = {},
  ): Promise<T | undefined> {
    return this.#guard(
      "fetch",
      undefined,
      async (signal) => {
        checkDescriptor(descriptor);
        let body: ReadableStream<Uint8Array>;
        if (typeof descriptor.data === "string") {
          body = new Blob([base64Bytes(descriptor.data)]).stream();
        } else {
          const kind = isManifestOrIndexMediaType(descriptor.mediaType) ? "manifests" : "blobs";
          const path = `${this.name}/${kind}/${descriptor.digest}`;
          const response = await this.#context.http.send({
            method: "GET",
            path,
            headers: kind === "manifests" ? { accept: acceptOf(descriptor) } : {},
            scopes: [repositoryScope(this.name, PULL)],
            signal,
          });
          if (response.status !== 200 || !response.body) {
            throw await this.#context.http.error(
              response,
              "GET",
              this.#context.http.url(path),
              kind === "manifests" ? "MANIFEST_UNKNOWN" : "BLOB_UNKNOWN",
            );
          }
          body = response.body;
        }
        let failure: unknown;
        const verified = body.pipeThrough(await createVerifier(descriptor));
        const watched = watch(verified, (error) => {
          failure = error;
        });
        let result: T;
        try {
          result = await handler(watched);
        } catch (error) {
          throw failure ?? error;
        } finally {
          await watched.cancel().catch(() => {});
        }
        if (failure) throw failure;
        return result;
      },
      options.signal,
    );
  }

  /**
   * Pulls a tag or a descriptor, and everything under it, into the client's store. Yields progress by bytes, then
   * `progress 100` (success) or `failed` (an OciError). Pulled by tag, the root is named `host/repo:tag` in the store
   * once everything under it is committed; a pull cut short keeps its partial blobs, and a rerun resumes them.
   */
  pull(reference: string | Descriptor, options: PullOptions = {}): AsyncIterable<TransferEvent> {
    const context = this.#context;
    return transfer(
      async (reporter) => {
        assertOpen(context);
        const operation = openOperation(context, reporter.signal);
        const signal = operation.signal;
        try {
          const matcher = options.platform === undefined ? undefined : toMatcher(options.platform);
          let root: Descriptor;
          let tagAs: string | undefined;
          if (typeof reference === "string") {
            if (!isTag(reference) && !isDigest(reference)) {
              throw new OciError("INVALID_ARGUMENT", `not a tag or digest: ${JSON.stringify(reference)}`);
            }
            root = await this.#resolve(reference, matcher, signal);
            if (isTag(reference)) tagAs = `${this.reference}:${reference}`;
          } else {
            checkDescriptor(reference);
            // An index narrowed to the platform's manifest, so the store never holds an index missing children.
            root =
              matcher && isManifestOrIndexMediaType(reference.mediaType)
                ? await this.#narrow(reference, matcher, signal)
                : reference;
          }
          await runPull(
            context,
            { repository: this.name, root, platform: undefined, tagAs, cache: this.#cache, onBlob: options.onBlob },
            { ...reporter, signal },
          );
        } finally {
          operation.end();
        }
      },
      { signal: options.signal, logger: context.logger, what: `pull ${this.reference}` },
    );
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
    const context = this.#context;
    const tuning = { monolithicMax: context.options.monolithicMax, chunkSize: context.options.chunkSize };
    if (isPushData(first)) {
      const expected = second as Descriptor;
      const options = third ?? {};
      return transfer(
        async (reporter) => {
          assertOpen(context);
          checkDescriptor(expected);
          const operation = openOperation(context, reporter.signal);
          const signal = operation.signal;
          reporter.addTotal(expected.size);
          const source = sourceOf(first, expected.size);
          try {
            await uploadBlob(
              context,
              this.name,
              source,
              expected,
              { ...tuning, mountFrom: options.mountFrom ?? [] },
              blobReport(reporter),
              signal,
            );
          } finally {
            operation.end();
            await source.close();
          }
        },
        { signal: options.signal, logger: context.logger, what: `push ${this.reference}@${expected?.digest}` },
      );
    }
    const root = first;
    const options = (second ?? {}) as TreePushOptions;
    return transfer(
      async (reporter) => {
        assertOpen(context);
        checkDescriptor(root);
        if (options.tag !== undefined && !isTag(options.tag)) {
          throw new OciError("INVALID_ARGUMENT", `invalid tag ${JSON.stringify(options.tag)}`);
        }
        const operation = openOperation(context, reporter.signal);
        try {
          await runTreePush(
            context,
            {
              repository: this.name,
              reference: this.reference,
              root,
              tag: options.tag,
              tuning,
              onBlob: options.onBlob,
            },
            { ...reporter, signal: operation.signal },
          );
        } finally {
          operation.end();
        }
      },
      { signal: options.signal, logger: context.logger, what: `push ${this.reference}` },
    );
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
    return this.#guard(
      "tag",
      undefined,
      async (signal) => {
        const tags = Array.isArray(reference) ? reference : [reference];
        if (!tags.length || !tags.every(isTag)) {
          throw new OciError("INVALID_ARGUMENT", `invalid tag in ${JSON.stringify(reference)}`);
        }
        const { bytes, descriptor } = await this.#manifestBytes(manifest, signal);
        const { http } = this.#context;
        if (tags.length > 1 && http.abilities.multiTag !== false) {
          const result = await putManifest(
            this.#context,
            this.name,
            bytes,
            descriptor,
            descriptor.digest,
            signal,
            tags,
          );
          const confirmed = new Set(result.tags);
          http.abilities.multiTag = tags.every((t) => confirmed.has(t));
          if (http.abilities.multiTag) return descriptor;
        }
        for (const tag of tags) await putManifest(this.#context, this.name, bytes, descriptor, tag, signal);
        return descriptor;
      },
      options.signal,
    );
  }

  /**
   * Deletes a manifest or blob by descriptor, or a tag by name where the registry allows it (distribution 2.8.2
   * does not: it answers 400). A deleted manifest with a subject leaves the referrers fallback index too. Resolves
   * true when deleted, false otherwise (logged).
   */
  async delete(target: Descriptor | string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return this.#guard(
      "delete",
      false,
      async (signal) => {
        const { http } = this.#context;
        const scopes = [repositoryScope(this.name, PULL, DELETE)];
        let path: string;
        let subject: Descriptor | undefined;
        let descriptor: Descriptor | undefined;
        if (typeof target === "string") {
          if (!isTag(target)) throw new OciError("INVALID_ARGUMENT", `invalid tag ${JSON.stringify(target)}`);
          path = `${this.name}/manifests/${target}`;
        } else {
          checkDescriptor(target);
          descriptor = target;
          const manifest = isManifestOrIndexMediaType(target.mediaType);
          path = `${this.name}/${manifest ? "manifests" : "blobs"}/${target.digest}`;
          if (manifest && http.abilities.referrersApi !== true) {
            const bytes = await fetchManifestBytes(this.#context, this.name, target, this.#cache, signal).catch(
              () => undefined,
            );
            if (bytes) subject = parseManifest(bytes, target.mediaType).subject;
          }
        }
        const response = await http.send({ method: "DELETE", path, scopes, signal });
        if (response.status !== 202 && response.status !== 200 && response.status !== 204) {
          const error = await http.error(response, "DELETE", http.url(path), "NOT_FOUND");
          if (typeof target === "string" && (response.status === 400 || response.status === 405)) {
            throw new OciError("UNSUPPORTED", `the registry does not delete tags: ${error.message}`, {
              status: error.status,
              errors: error.errors,
            });
          }
          throw error;
        }
        await discard(response);
        if (subject && descriptor) await removeReferrer(this.#context, this.name, subject, descriptor, signal);
        return true;
      },
      options.signal,
    );
  }

  /**
   * The manifests that refer to `subject` (signatures, SBOMs, attestations): the referrers API where the registry
   * has it, else the fallback tag. Resolves [] on failure (logged).
   */
  async referrers(subject: Descriptor, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    return this.#guard(
      "referrers",
      [],
      async (signal) => {
        checkDescriptor(subject);
        return listReferrers(this.#context, this.name, subject, options.artifactType, signal);
      },
      options.signal,
    );
  }

  async #manifestBytes(
    manifest: Descriptor | Uint8Array | Manifest | Index,
    signal: AbortSignal,
  ): Promise<{ bytes: Uint8Array; descriptor: Descriptor }> {
    const max = this.#context.options.maxManifestBytes;
    if (manifest instanceof Uint8Array) {
      const parsed = parseManifest(manifest, undefined, { maxBytes: max });
      return { bytes: manifest, descriptor: await describeManifest(manifest, manifestMediaType(parsed)) };
    }
    if (isDescriptorLike(manifest)) {
      checkDescriptor(manifest);
      const { store } = this.#context;
      const bytes = (await store.exists(manifest))
        ? await readStored(store, manifest, max)
        : await fetchManifestBytes(this.#context, this.name, manifest, this.#cache, signal);
      return { bytes, descriptor: baseDescriptor(manifest) };
    }
    // A Manifest or Index object: new content, serialised once; its digest is of exactly these bytes.
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    const parsed = parseManifest(bytes, undefined, { maxBytes: max });
    return { bytes, descriptor: await describeManifest(bytes, manifestMediaType(parsed)) };
  }

  async #resolve(reference: string, platform: PlatformSelector | undefined, signal: AbortSignal): Promise<Descriptor> {
    if (!isTag(reference) && !isDigest(reference)) {
      throw new OciError("INVALID_ARGUMENT", `not a tag or digest: ${JSON.stringify(reference)}`);
    }
    const descriptor = await resolveManifest(this.#context, this.name, reference, this.#cache, signal);
    if (platform === undefined) return descriptor;
    return this.#narrow(descriptor, toMatcher(platform), signal, reference);
  }

  /** Walks down indexes (nested ones too) to the first manifest for the platform. */
  async #narrow(
    start: Descriptor,
    matcher: PlatformMatcher,
    signal: AbortSignal,
    reference: string = start.digest,
  ): Promise<Descriptor> {
    let descriptor = start;
    for (let depth = 0; depth < 16; depth++) {
      const bytes = await fetchManifestBytes(this.#context, this.name, descriptor, this.#cache, signal);
      const manifest = parseManifest(bytes, descriptor.mediaType, { maxBytes: this.#context.options.maxManifestBytes });
      if (!isIndex(manifest)) return descriptor;
      const i = selectPlatform(manifest.manifests, matcher);
      if (i === -1) {
        throw new OciError("NOT_FOUND", `no manifest for the requested platform in ${this.reference}:${reference}`, {
          detail: {
            available: manifest.manifests.map((m) => (m.platform ? formatPlatform(m.platform) : "(none)")),
          },
        });
      }
      descriptor = manifest.manifests[i]!;
    }
    throw new OciError("MANIFEST_INVALID", "indexes nested too deep");
  }

  #next(link: string | null, current: string): string | undefined {
    const next = nextLink(link, current);
    if (next && new URL(next).origin !== new URL(current).origin) {
      // A Link to another origin would take our credentials elsewhere: stop paginating instead.
      this.#context.logger.warn("ignoring a pagination Link to another origin", { link: next });
      return undefined;
    }
    return next;
  }

  /** Runs an operation under the error model: OciErrors are logged and turned into `fallback`. */
  async #guard<T>(op: string, fallback: T, run: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const operation = openOperation(this.#context, signal);
    try {
      assertOpen(this.#context);
      return await run(operation.signal);
    } catch (error) {
      const e = toOciError(error, "NETWORK");
      this.#context.logger.error(`${op} ${this.reference} failed: ${e.message}`, { error: e });
      return fallback;
    } finally {
      operation.end();
    }
  }

  toString(): string {
    return `Repository(${this.reference})`;
  }
}

function isPushData(value: unknown): value is PushData {
  return (
    value instanceof Uint8Array ||
    value instanceof ReadableStream ||
    (typeof Blob !== "undefined" && value instanceof Blob)
  );
}

function isDescriptorLike(value: unknown): value is Descriptor {
  const v = value as Partial<Descriptor>;
  return typeof v?.digest === "string" && typeof v.size === "number" && typeof v.mediaType === "string";
}

function toMatcher(platform: PlatformSelector): PlatformMatcher {
  return typeof platform === "function" ? platform : platformMatcher(platform);
}

function acceptOf(descriptor: Descriptor): string {
  return descriptor.mediaType;
}

function checkDescriptor(descriptor: Descriptor): void {
  if (!descriptor || !isDigest(descriptor.digest) || !Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
    throw new OciError("INVALID_ARGUMENT", "a descriptor needs a valid digest and a non-negative integer size");
  }
}

async function readJson(body: ReadableStream<Uint8Array> | null): Promise<unknown> {
  if (!body) return null;
  const bytes = await readAll(body, MAX_LIST_PAGE);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new OciError("PROTOCOL", "the registry's answer is not JSON", { cause });
  }
}

/** A stream that reports its error (a verification failure) to `onError` as it passes through. */
function watch(stream: ReadableStream<Uint8Array>, onError: (error: unknown) => void): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        onError(error);
        controller.error(error);
      }
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });
}
