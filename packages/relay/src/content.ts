// serveContent(): the files of artifacts in a Store, served at URLs, so that an app uses pulled content as it
// uses any URL (`<img src>`, `<script type=module src>`, `WebAssembly.instantiateStreaming(fetch(…))`) — offline,
// from a service worker. `<prefix>/<repo>/<tag>/<file>`; `<prefix>/<repo>/<tag>/` lists the files as JSON.
import {
  ANNOTATION_CONTAINERD_IMAGE_NAME,
  ANNOTATION_REF_NAME,
  type Descriptor,
  isDigest,
  isOciError,
  parseReference,
  type ReadOnlyStore,
} from "@toci/spec-types";
import { type ArtifactFile, artifactFiles } from "./internal/artifact-files.js";
import { type ByteRange, parseRange, sliceStream } from "./internal/byte-range.js";
import { contentType } from "./internal/content-type.js";

/** Options of {@link serveContent}. */
export interface ServeContentOptions {
  /**
   * Where the content is: the roots a pull tagged (`registry/repo:tag`) and their blobs. A promise of one is
   * waited for on the first request (a service worker cannot await at its top level).
   */
  store: ContentStore | Promise<ContentStore>;
  /**
   * The path under which files are served (`/content/`), or an absolute URL (`https://app.example/content/`) to
   * serve only requests to that origin — in a service worker, `new URL("/content/", self.location.href).href`, so
   * that requests to other origins pass by.
   */
  prefix: string;
}

/** What serveContent reads from a store: its roots and blobs. */
export type ContentStore = Pick<ReadOnlyStore, "fetch" | "list">;

/** A handler for `fetch` events: a Response for the requests it serves, undefined for any other. */
export type ContentHandler = (request: Request) => Promise<Response | undefined>;

/** Parsed manifests, by digest (content-addressed, so never stale); a few, for the files of the app in use. */
const CACHE_SIZE = 32;

/**
 * Serves the files of artifacts in `options.store` at `<prefix>/<repo>/<tag>/<file>`: `<repo>` is the repository
 * (`org/app`) or the registry and repository (`ghcr.io/org/app`) of a root pulled into the store, `<tag>` its tag
 * (or its digest), `<file>` a layer's `org.opencontainers.image.title` (an untitled layer is named by its digest).
 * GET and HEAD, with one `Range`, `ETag` = the digest (`If-None-Match`, `If-Range`), and a `Content-Type` from
 * the media type or the file name. Requests outside the prefix resolve to undefined; a miss inside is a 404.
 *
 * The content is served with the page's origin: serve artifacts you trust as much as your own code.
 */
export function serveContent(options: ServeContentOptions): ContentHandler {
  const prefix = resolvePrefix(options.prefix);
  const opened = Promise.resolve(options.store);
  // A store that fails to open fails the requests that need it, not the service worker's start.
  opened.catch(() => {});
  const cache = new Map<string, ArtifactFile[]>();
  const filesOf = async (store: ContentStore, root: Descriptor): Promise<ArtifactFile[]> => {
    const cached = cache.get(root.digest);
    if (cached) return cached;
    const files = await artifactFiles(store, root);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(root.digest, files);
    return files;
  };
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return undefined;
    const url = new URL(request.url);
    if (prefix.origin !== undefined && url.origin !== prefix.origin) return undefined;
    if (!url.pathname.startsWith(prefix.path)) return undefined;
    const segments = decodeSegments(url.pathname.slice(prefix.path.length));
    if (!segments) return text(400, "a path segment that does not decode");
    try {
      const store = await opened;
      const candidates = await locate(store, segments);
      if (candidates.length === 0) return text(404, "no such artifact in the store");
      // Every reading of the path that names a file (or, ending with `/`, a listing) of its root: one is served;
      // two (`a/b:c` with a file `d` and `a:b` with a file `c/d`) are refused, so that one artifact never serves
      // its bytes at a URL of another's.
      const hits: { files: ArtifactFile[]; file: ArtifactFile | undefined; name: string }[] = [];
      for (const { root, repo, tag, file } of candidates) {
        const files = await filesOf(store, root);
        const hit = file === "" ? undefined : files.find((f) => f.name === file);
        if (file === "" || hit) hits.push({ files, file: hit, name: `${repo}:${tag}` });
      }
      if (hits.length > 1) {
        const names = hits.map((h) => h.name).join(", ");
        return text(409, `the path names a file of more than one artifact (${names}): refused`);
      }
      const only = hits[0];
      if (!only) return text(404, "no such file in the artifact");
      return only.file ? await fileResponse(store, only.file, request) : listing(only.files);
    } catch (error) {
      if (isOciError(error) && error.code === "NOT_FOUND") return text(404, "the content is not in the store");
      return text(500, isOciError(error) ? `${error.code}: ${error.message}` : String(error));
    }
  };
}

function resolvePrefix(prefix: string): { origin: string | undefined; path: string } {
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(prefix) ? new URL(prefix) : undefined;
  let path = absolute ? absolute.pathname : prefix;
  if (!path.startsWith("/")) path = `/${path}`;
  if (!path.endsWith("/")) path = `${path}/`;
  return { origin: absolute?.origin, path };
}

function decodeSegments(path: string): string[] | undefined {
  try {
    return path.split("/").map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/**
 * The roots and files a path may name. The repository may have several segments and a file name may have slashes,
 * so every split is tried against the store's roots, the longest repository first.
 */
async function locate(
  store: Pick<ContentStore, "list">,
  segments: string[],
): Promise<{ root: Descriptor; repo: string; tag: string; file: string }[]> {
  const roots = await store.list();
  const found = [];
  for (let tagAt = segments.length - 2; tagAt >= 1; tagAt--) {
    const repo = segments.slice(0, tagAt).join("/");
    const tag = segments[tagAt]!;
    const root = roots.find((r) => rootMatches(r, repo, tag));
    if (root) found.push({ root, repo, tag, file: segments.slice(tagAt + 1).join("/") });
  }
  return found;
}

/** Whether a root is `<repo>:<tag>` (or `<repo>@<digest>`), by the full reference a pull tagged it with. */
function rootMatches(root: Descriptor, repo: string, tag: string): boolean {
  const name = root.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME] ?? root.annotations?.[ANNOTATION_REF_NAME];
  if (name === undefined) return false;
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(name, { defaultRegistry: false, defaultTag: false });
  } catch {
    return false;
  }
  if (repo !== ref.repository && repo !== ref.name) return false;
  return isDigest(tag) ? root.digest === tag : ref.tag === tag;
}

function listing(files: ArtifactFile[]): Response {
  const body = files.map((f) => ({
    name: f.name,
    size: f.descriptor.size,
    digest: f.descriptor.digest,
    mediaType: f.descriptor.mediaType,
  }));
  return new Response(JSON.stringify({ files: body }), { headers: { "content-type": "application/json" } });
}

async function fileResponse(store: ContentStore, file: ArtifactFile, request: Request) {
  const { size, digest } = file.descriptor;
  const etag = `"${digest}"`;
  const headers = new Headers({
    "content-type": contentType(file.name, file.descriptor.mediaType),
    etag,
    "accept-ranges": "bytes",
    // The type above is the one that counts: no sniffing a stranger's bytes into something else.
    "x-content-type-options": "nosniff",
  });
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null && (ifNoneMatch.trim() === "*" || ifNoneMatch.split(",").some((t) => t.trim() === etag))) {
    return new Response(null, { status: 304, headers });
  }
  const ifRange = request.headers.get("if-range");
  const range =
    ifRange === null || ifRange.trim() === etag ? parseRange(request.headers.get("range"), size) : undefined;
  if (range === "unsatisfiable") {
    headers.set("content-range", `bytes */${size}`);
    return new Response(null, { status: 416, headers });
  }
  const span: ByteRange = range ?? { start: 0, end: size - 1 };
  headers.set("content-length", String(size === 0 ? 0 : span.end - span.start + 1));
  if (range) headers.set("content-range", `bytes ${range.start}-${range.end}/${size}`);
  const status = range ? 206 : 200;
  if (request.method === "HEAD") return new Response(null, { status, headers });
  const stream = await store.fetch(file.descriptor, { signal: request.signal });
  return new Response(range ? sliceStream(stream, range) : stream, { status, headers });
}

function text(status: number, message: string): Response {
  return new Response(message, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
