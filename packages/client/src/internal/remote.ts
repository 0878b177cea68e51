// The throwing core of one repository: the requests every operation is made of (resolve a reference, read a
// manifest, HEAD a blob, GET content; the writing ones, PUT and DELETE, are in write-requests.ts), with the repository's name, scopes, caches and the
// client's store, logger, options and lifetime. Everything here throws an OciError; the public classes decide what
// a caller sees (Repository: undefined, false, [] or a failed event; StrictRepository: the OciError).
import {
  baseMediaType,
  createHasher,
  type Descriptor,
  type Digest,
  digestMismatch,
  isDigest,
  isIndex,
  isManifestOrIndexMediaType,
  isTag,
  MANIFEST_ACCEPT,
  manifestMediaType,
  OCTET_STREAM,
  OciError,
  type PlatformMatcher,
  parseManifest,
  type Store,
  type TransportResponse,
  verifiableAlgorithm,
} from "@toci/spec-types";
import type { Logger } from "../logger.js";
import type { ResolvedTransferOptions } from "../options.js";
import { PULL, repositoryScope } from "./auth/scope.js";
import type { RegistryContext } from "./context.js";
import { platformChild } from "./graph.js";
import { discard, type RegistryHttp } from "./http.js";
import type { Lifecycle } from "./lifecycle.js";
import { acceptFor, ManifestCache, readCapped, tooLarge, verifyBytes } from "./manifest-bytes.js";
import type { UploadSessions } from "./upload-sessions.js";

/** How deep `narrow` follows indexes of indexes before giving up on a hostile chain. */
const MAX_NARROW_DEPTH = 16;

export class Remote {
  readonly http: RegistryHttp;
  readonly store: Store;
  readonly logger: Logger;
  readonly options: ResolvedTransferOptions;
  /** The repository's name (`library/ubuntu`). */
  readonly name: string;
  /** The registry's name in references (`host[:port]`). */
  readonly registryName: string;
  /** Upload sessions remembered between attempts (none in the pull entry's: see uploadSessions()). */
  readonly uploads: UploadSessions | undefined;
  /** Manifests read during this repository object's life. */
  readonly cache = new ManifestCache();
  /** The same repository on the registry's mirrors, in the order pulls try them (pull/sources.ts). */
  readonly mirrors: readonly Remote[];
  readonly #lifecycle: Lifecycle;

  constructor(context: RegistryContext, name: string) {
    this.http = context.http;
    this.store = context.store;
    this.logger = context.logger;
    this.options = context.options;
    this.registryName = context.name;
    this.uploads = context.uploads;
    this.#lifecycle = context.lifecycle;
    this.name = name;
    this.mirrors = context.mirrors.map((http) => new Remote({ ...context, http, mirrors: [] }, name));
  }

  /** `host/name`, the repository's full name in references. */
  get reference(): string {
    return `${this.registryName}/${this.name}`;
  }

  /** Runs `work` as one operation of the client: CLOSED once it is closed, aborted when it closes. */
  run<T>(signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    // What an earlier run learnt about the registry (kept in the store) is read before the first request.
    return this.#lifecycle.run(signal, async (s) => {
      await this.http.abilities.ready;
      return work(s);
    });
  }

  /** The token scopes of this repository for `actions` (pull, push, delete). */
  scopes(...actions: string[]): string[] {
    return [repositoryScope(this.name, ...actions)];
  }

  /** The API path of a manifest or blob (`name/manifests/ref`), by the descriptor's media type when given one. */
  path(what: Descriptor | "manifests" | "blobs", reference = typeof what === "string" ? "" : what.digest): string {
    const kind = typeof what === "string" ? what : isManifestOrIndexMediaType(what.mediaType) ? "manifests" : "blobs";
    return `${this.name}/${kind}/${reference}`;
  }

  /**
   * A tag or digest to the descriptor of what the registry serves for it; with `platform`, an index goes on to its
   * first manifest for the platform. HEAD with every manifest type in Accept (distribution 2.8.2 serves OCI types
   * only to a client that names them); GET when the HEAD fails or lacks Docker-Content-Digest, Content-Type or
   * Content-Length, hashing the body. `by: "get"` skips the HEAD: one request instead of two when the manifest is
   * read anyway (a pull of content the store lacks; the bytes are cached for it).
   */
  async resolve(
    reference: string,
    platform: PlatformMatcher | undefined,
    signal: AbortSignal,
    by: "head" | "get" = "head",
  ): Promise<Descriptor> {
    if (!isTag(reference) && !isDigest(reference)) {
      throw new OciError("INVALID_ARGUMENT", `not a tag or digest: ${JSON.stringify(reference)}`);
    }
    const head = by === "head" ? await this.#resolveByHead(reference, signal) : undefined;
    const descriptor = head ?? (await this.#resolveByGet(reference, signal));
    return platform === undefined ? descriptor : this.narrow(descriptor, platform, signal, reference);
  }

  /** Walks down indexes (nested ones too) to the first manifest for the platform. */
  async narrow(
    start: Descriptor,
    platform: PlatformMatcher,
    signal: AbortSignal,
    reference: string = start.digest,
  ): Promise<Descriptor> {
    let descriptor = start;
    for (let depth = 0; depth < MAX_NARROW_DEPTH; depth++) {
      const bytes = await this.manifest(descriptor, signal);
      const manifest = parseManifest(bytes, descriptor.mediaType, { maxBytes: this.options.maxManifestBytes });
      if (!isIndex(manifest)) return descriptor;
      descriptor = platformChild(manifest.manifests, platform, `${this.reference}:${reference}`);
    }
    throw new OciError("MANIFEST_INVALID", "indexes nested too deep");
  }

  /**
   * A manifest's bytes by descriptor: from the cache or a GET by digest, capped before they are read and checked
   * against the descriptor's size and digest.
   */
  async manifest(descriptor: Descriptor, signal: AbortSignal): Promise<Uint8Array> {
    const max = this.options.maxManifestBytes;
    if (descriptor.size > max) throw tooLarge(descriptor.size, max);
    const cached = this.cache.get(descriptor.digest);
    if (cached && cached.byteLength === descriptor.size) return cached;
    const path = this.path("manifests", descriptor.digest);
    const response = await this.#read("GET", path, acceptFor(descriptor.mediaType), signal);
    if (response.status !== 200) throw await this.error(response, "GET", path, "MANIFEST_UNKNOWN");
    const bytes = await readCapped(response, descriptor.size);
    await verifyBytes(descriptor, bytes);
    this.cache.set(descriptor.digest, bytes);
    return bytes;
  }

  /**
   * A blob's descriptor by digest (HEAD): its size from Content-Length, media type `application/octet-stream` (a
   * registry does not know a blob's type). BLOB_UNKNOWN when absent.
   */
  async headBlob(digest: string, signal: AbortSignal): Promise<Descriptor> {
    if (!isDigest(digest)) throw new OciError("INVALID_ARGUMENT", `not a digest: ${JSON.stringify(digest)}`);
    const path = this.path("blobs", digest);
    const response = await this.#read("HEAD", path, undefined, signal);
    await discard(response);
    if (response.status !== 200) throw await this.error(response, "HEAD", path, "BLOB_UNKNOWN");
    const size = Number(response.headers.get("content-length") ?? Number.NaN);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new OciError("PROTOCOL", "the registry gave no Content-Length for the blob");
    }
    return { mediaType: OCTET_STREAM, digest, size };
  }

  /** Whether the registry has this content (HEAD): true on 200, false on 404, an OciError otherwise. */
  async exists(descriptor: Descriptor, signal: AbortSignal): Promise<boolean> {
    const response = await this.#head(descriptor, signal);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await this.error(response, "HEAD", this.path(descriptor), "NOT_FOUND");
  }

  /**
   * Whether the registry answers 200 to a HEAD of this content: what a push checks before sending something again
   * (any other answer sends it, and the PUT says what is wrong).
   */
  async has(descriptor: Descriptor, signal: AbortSignal): Promise<boolean> {
    return (await this.#head(descriptor, signal)).status === 200;
  }

  /** The content's bytes as the registry sends them (unverified: the caller pipes them through a verifier). */
  async get(descriptor: Descriptor, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const manifest = isManifestOrIndexMediaType(descriptor.mediaType);
    const path = this.path(descriptor);
    const response = await this.#read("GET", path, manifest ? descriptor.mediaType : undefined, signal);
    if (response.status !== 200 || !response.body) {
      throw await this.error(response, "GET", path, manifest ? "MANIFEST_UNKNOWN" : "BLOB_UNKNOWN");
    }
    return response.body;
  }

  async #head(descriptor: Descriptor, signal: AbortSignal): Promise<TransportResponse> {
    const manifest = isManifestOrIndexMediaType(descriptor.mediaType);
    const response = await this.#read(
      "HEAD",
      this.path(descriptor),
      manifest ? descriptor.mediaType : undefined,
      signal,
    );
    await discard(response);
    return response;
  }

  /** The descriptor from a HEAD's headers, or undefined when they do not make one (then a GET decides). */
  async #resolveByHead(reference: string, signal: AbortSignal): Promise<Descriptor | undefined> {
    const path = this.path("manifests", reference);
    const head = await this.#read("HEAD", path, MANIFEST_ACCEPT, signal);
    await discard(head);
    if (head.status === 401 || head.status === 403) throw await this.error(head, "HEAD", path, "MANIFEST_UNKNOWN");
    if (head.status !== 200) return undefined;
    const digest = head.headers.get("docker-content-digest") ?? "";
    const mediaType = baseMediaType(head.headers.get("content-type"));
    const size = Number(head.headers.get("content-length") ?? Number.NaN);
    const usable =
      isDigest(digest) &&
      isManifestOrIndexMediaType(mediaType) &&
      Number.isSafeInteger(size) &&
      size >= 0 &&
      (!isDigest(reference) || digest === reference);
    if (!usable) {
      this.logger.debug("HEAD gave no usable digest, falling back to GET", { repository: this.name, reference });
      return undefined;
    }
    if (size > this.options.maxManifestBytes) throw tooLarge(size, this.options.maxManifestBytes);
    return { mediaType, digest: digest as Digest, size };
  }

  /** The descriptor from a GET: the body is hashed, so it does not rest on headers at all. */
  async #resolveByGet(reference: string, signal: AbortSignal): Promise<Descriptor> {
    const path = this.path("manifests", reference);
    const max = this.options.maxManifestBytes;
    const get = await this.#read("GET", path, MANIFEST_ACCEPT, signal);
    if (get.status !== 200) throw await this.error(get, "GET", path, "MANIFEST_UNKNOWN");
    const bytes = await readCapped(get, max);
    const contentType = get.headers.get("content-type");
    const header = get.headers.get("docker-content-digest");
    // Hash with the algorithm the registry or the reference names (sha256 unless told otherwise).
    const wanted = isDigest(reference) ? reference : header && isDigest(header) ? header : undefined;
    const hasher = await createHasher((wanted && verifiableAlgorithm(wanted)) || "sha256");
    hasher.update(bytes);
    const digest = hasher.digest();
    if (wanted && wanted !== digest) throw digestMismatch({ digest: wanted as Digest }, digest);
    const manifest = parseManifest(bytes, contentType, { maxBytes: max });
    this.cache.set(digest, bytes);
    return { mediaType: manifestMediaType(manifest, contentType), digest, size: bytes.byteLength };
  }

  /** A GET or HEAD under the pull scope, with `accept` when given. */
  #read(method: "GET" | "HEAD", path: string, accept: string | undefined, signal: AbortSignal) {
    const headers: Record<string, string> = accept === undefined ? {} : { accept };
    return this.http.send({ method, path, headers, scopes: this.scopes(PULL), signal });
  }

  /** The OciError of a failed answer to `method path` (`notFound` for a 404). */
  error(response: TransportResponse, method: string, path: string, notFound: OciError["code"]): Promise<OciError> {
    return this.http.error(response, method, this.http.url(path), notFound);
  }
}
