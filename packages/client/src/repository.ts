// A repository on a registry: the read side of koci's Repository (tags, resolve, exists, fetch, pull), with the
// error model of DESIGN.md §3: network, protocol and store failures never throw out of these calls; they come back
// as undefined / false / [] / a `failed` event carrying an OciError, and the logger receives every one.
import {
  createVerifier,
  type Descriptor,
  formatPlatform,
  isDigest,
  isIndex,
  isManifestOrIndexMediaType,
  isTag,
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
import { PULL, repositoryScope } from "./internal/auth/scope.js";
import { base64Bytes } from "./internal/base64.js";
import { assertOpen, linkSignals, type RegistryContext } from "./internal/context.js";
import { discard } from "./internal/http.js";
import { nextLink } from "./internal/link.js";
import { fetchManifestBytes, ManifestCache, resolveManifest } from "./internal/manifests.js";
import { runPull } from "./internal/pull/pull.js";
import { transfer } from "./internal/transfer.js";
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
}

/** Options of {@link Repository.fetch}. */
export interface FetchOptions {
  signal?: AbortSignal;
}

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
          for (const tag of (list ?? []) as unknown[]) {
            if (typeof tag === "string" && !seen.has(tag)) {
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
        const signal = linkSignals(context, reporter.signal);
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
          root = reference;
        }
        await runPull(context, { repository: this.name, root, platform: matcher, tagAs, cache: this.#cache }, reporter);
      },
      { signal: options.signal, logger: context.logger, what: `pull ${this.reference}` },
    );
  }

  async #resolve(reference: string, platform: PlatformSelector | undefined, signal: AbortSignal): Promise<Descriptor> {
    if (!isTag(reference) && !isDigest(reference)) {
      throw new OciError("INVALID_ARGUMENT", `not a tag or digest: ${JSON.stringify(reference)}`);
    }
    let descriptor = await resolveManifest(this.#context, this.name, reference, this.#cache, signal);
    if (platform === undefined) return descriptor;
    const matcher = toMatcher(platform);
    // Walk down indexes (nested ones too) to the first manifest for the platform.
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
    try {
      assertOpen(this.#context);
      return await run(linkSignals(this.#context, signal));
    } catch (error) {
      const e = toOciError(error, "NETWORK");
      this.#context.logger.error(`${op} ${this.reference} failed: ${e.message}`, { error: e });
      return fallback;
    }
  }

  toString(): string {
    return `Repository(${this.reference})`;
  }
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
