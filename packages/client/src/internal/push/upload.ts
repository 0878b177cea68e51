// One blob to a registry (distribution-spec "Pushing blobs"), as well as the best peer does it and then some:
//   1. HEAD: what exists is skipped.
//   2. A session remembered from an interrupted attempt (this process or an earlier one) is asked where it stands
//      (GET <location> → 204 + Range) and continued from the registry's offset.
//   3. Otherwise mount from a repository known to hold the blob (201 ends it; 202 is a session to upload on), or
//      POST a new session, honouring OCI-Chunk-Min-Length (bounded).
//   4. Up to `monolithicMax` bytes from offset 0: one PUT. Above: PATCH chunks with `Content-Range`, the newest
//      Location every time (2.8.2's `_state` goes stale), the state saved after each, 413 (or GHCR's 416 "too large")
//      shrinking the chunk, a plain 416 or a cut connection resynchronising from the upload status. Then the PUT.
//   5. The registry's Docker-Content-Digest must be the expected digest.
// A session that failed for good (the registry refused the content) is cancelled with DELETE (spec main), its
// failure ignored; an interrupted one (network, abort) is kept so that the same push resumes it.
import { type Descriptor, isOciError, OciError, toOciError } from "@toci/spec-types";
import { assertNotPrivateFromPublic } from "../address.js";
import { PULL, PUSH, repositoryScope } from "../auth/scope.js";
import type { RegistryContext } from "../context.js";
import { discard, redact } from "../http.js";
import type { BlobReport } from "../transfer.js";
import { type BlobSource, bufferOf } from "./source.js";

/** The smallest chunk a 413 may shrink to: below this, per-request overhead dominates and nothing fits anyway. */
const MIN_CHUNK = 256 * 1024;
/** The largest OCI-Chunk-Min-Length honoured: a hostile value must not make us buffer without bound (regclient: 1 GiB). */
const MAX_CHUNK_MIN = 1024 * 1024 * 1024;
/** How long an aborted upload waits for the chunk in flight to be acknowledged before cutting it. */
const PATCH_GRACE_MS = 3000;
/** The chunk of a one-shot stream, which is buffered to be re-sendable: small enough not to weigh on memory. */
const ONE_SHOT_CHUNK = 16 * 1024 * 1024;
/** The most of a one-shot stream buffered to make a chunk re-sendable (one chunk at a time). */
const MAX_BUFFERED = MAX_CHUNK_MIN;
/** Resynchronisations (416, cut connection, 5xx) allowed per upload before giving up for this attempt. */
const MAX_RESYNCS = 8;

export interface UploadTuning {
  /** Blobs up to this size go in one PUT. */
  monolithicMax: number;
  /** The PATCH size for larger blobs, before any registry minimum or 413 adjusts it. */
  chunkSize: number;
  /** Repositories on this registry that may hold the blob, to mount from. */
  mountFrom: readonly string[];
}

/** Result of an upload: what happened, for logs and tests. */
export type UploadResult = "exists" | "mounted" | "uploaded";

/** Fresh sessions tried after the registry lost one (see {@link uploadBlob}). */
const SESSION_ATTEMPTS = 4;

/**
 * Uploads one blob. A session the registry forgot or cancelled (BLOB_UPLOAD_UNKNOWN / BLOB_UPLOAD_INVALID) is
 * not the end: another process may have finished the same blob (HEAD says so), or shared the session through the
 * store's upload state and broken it (distribution 2.8.2 cancels a session whose `_state` offset no longer
 * matches, e.g. after a process was killed mid-PATCH or two processes resumed it at once). Then a fresh session
 * is started, a few times, when the source can be read again.
 */
export async function uploadBlob(
  context: RegistryContext,
  repository: string,
  source: BlobSource,
  expected: Descriptor,
  tuning: UploadTuning,
  report: BlobReport,
  signal: AbortSignal,
): Promise<UploadResult> {
  for (let attempt = 1; ; attempt++) {
    // Only the first attempt resumes a remembered session: after a loss, the remembered one may be another
    // process's session in use right now (two PATCHes at once on one session make 2.8.2 answer 500, then forget it).
    const resumed = { session: false, allowed: attempt === 1 };
    try {
      return await uploadOnce(context, repository, source, expected, tuning, report, signal, resumed);
    } catch (error) {
      const e = toOciError(error, "NETWORK");
      const lost =
        e.code === "BLOB_UPLOAD_UNKNOWN" ||
        e.code === "BLOB_UPLOAD_INVALID" ||
        // A remembered session the registry refused for good (not a flaky link, a 429 or a 5xx: those keep it, and
        // the next push resumes it) is not worth insisting on: start a fresh one.
        (resumed.session && !e.temporary && e.code !== "ABORTED" && !isContentError(e));
      if (!lost || signal.aborted) throw e;
      if (attempt >= SESSION_ATTEMPTS || !source.seekable) {
        // No new session: but another process may have finished the blob meanwhile.
        if (!(await blobExists(context, repository, expected, signal))) throw e;
        report.at(expected.size);
        return "exists";
      }
      // The next attempt asks first whether the blob exists (HEAD), then starts a fresh session.
      context.logger.warn(`the registry lost the upload session (${e.code}); starting a new one`, {
        digest: expected.digest,
      });
    }
  }
}

async function uploadOnce(
  context: RegistryContext,
  repository: string,
  source: BlobSource,
  expected: Descriptor,
  tuning: UploadTuning,
  report: BlobReport,
  signal: AbortSignal,
  resumed: { session: boolean; allowed: boolean },
): Promise<UploadResult> {
  const { http } = context;
  const push = [repositoryScope(repository, PULL, PUSH)];

  if (await blobExists(context, repository, expected, signal)) {
    report.at(expected.size);
    return "exists";
  }

  const key = `${http.base.href}|${repository}|${expected.digest}`;
  let session = resumed.allowed ? await resumeSession(context, key, expected.size, push, signal) : undefined;
  resumed.session = session !== undefined;
  if (!session) {
    for (const from of tuning.mountFrom) {
      if (from === repository) continue;
      const mounted = await startSession(context, repository, { mount: expected.digest, from }, signal);
      if (mounted.done) {
        checkDigest(mounted.digest, expected);
        report.at(expected.size);
        return "mounted";
      }
      session = mounted.session;
      break;
    }
    if (!session) {
      const started = await startSession(context, repository, undefined, signal);
      if (started.done) throw new OciError("PROTOCOL", "the registry completed an upload it was not sent");
      session = started.session;
    }
  }

  let chunk = source.seekable ? tuning.chunkSize : Math.min(tuning.chunkSize, ONE_SHOT_CHUNK);
  chunk = Math.max(chunk, Math.min(session.minChunk, MAX_CHUNK_MIN));
  if (http.abilities.maxRequestBytes) chunk = Math.min(chunk, http.abilities.maxRequestBytes);
  let resyncs = 0;
  const bodies = new Bodies(source, report);
  // Stopping in the middle of a PATCH costs the whole session on distribution 2.8.2 (its `_state` no longer matches:
  // 404 on the rerun), so an abort lets the chunk in flight finish, for at most PATCH_GRACE_MS, and stops after it.
  const chunkSignal = graceful(signal, PATCH_GRACE_MS);
  const resync = async (why: OciError): Promise<void> => {
    if (++resyncs > MAX_RESYNCS || signal.aborted) throw why;
    context.logger.warn(`upload interrupted (${why.code}); asking the registry where it stands`, {
      digest: expected.digest,
    });
    const status = await uploadStatus(context, session!.location, session!.offset, expected.size, push, signal);
    if (!status) {
      // The registry no longer knows the session (2.8.2 cancels one whose offset went astray): a lost session,
      // which uploadBlob answers with a fresh one, not the error that led here.
      throw new OciError("BLOB_UPLOAD_UNKNOWN", `the registry dropped the upload session after: ${why.message}`, {
        cause: why,
      });
    }
    session!.location = status.location;
    session!.offset = status.offset;
    await context.uploads.set(key, session!.location, session!.offset);
  };

  try {
    for (;;) {
      const { offset } = session;
      const remaining = expected.size - offset;
      const monolithic =
        offset === 0 &&
        // A one-shot stream is buffered to be re-sendable: in one request only up to a chunk's worth of it.
        ((remaining <= tuning.monolithicMax && (source.seekable || remaining <= ONE_SHOT_CHUNK)) ||
          http.abilities.chunkedBroken === true) &&
        (http.abilities.maxRequestBytes === undefined || remaining <= http.abilities.maxRequestBytes);
      try {
        if (monolithic || remaining === 0) {
          const digest = await put(context, session.location, expected, offset, bodies, push, signal);
          checkDigest(digest, expected);
          break;
        }
        const len = Math.min(chunk, remaining);
        const body = await bodies.make(offset, offset + len);
        const response = await http.send({
          method: "PATCH",
          url: session.location,
          headers: {
            "content-type": "application/octet-stream",
            "content-range": `${offset}-${offset + len - 1}`,
            "content-length": String(len),
          },
          body,
          scopes: push,
          signal: chunkSignal.signal,
        });
        if (response.status === 202) {
          await discard(response);
          session.location = nextLocation(response, session.location, http.base);
          const end = rangeEnd(response.headers.get("range"));
          const held = end === undefined ? offset + len : end + 1;
          // The registry holds at most what it was sent. Fewer bytes (a registry that keeps answering `0-0`) would
          // have this loop send the same chunk forever, so each short answer counts as a resynchronisation.
          if (held > offset + len) throw overclaim(held, offset + len);
          if (held < offset + len && ++resyncs > MAX_RESYNCS) {
            throw new OciError("PROTOCOL", `the registry keeps acknowledging fewer bytes than it was sent (${held})`);
          }
          session.offset = held;
          await context.uploads.set(key, session.location, session.offset);
          report.at(session.offset);
          if (signal.aborted) throw new OciError("ABORTED", "the upload was aborted");
          if (session.offset >= expected.size) {
            const digest = await put(context, session.location, expected, session.offset, bodies, push, signal);
            checkDigest(digest, expected);
            break;
          }
          continue;
        }
        const error = await http.error(response, "PATCH", session.location, "BLOB_UPLOAD_UNKNOWN");
        if (response.status === 413 || (response.status === 416 && /too large|exceeds/i.test(error.message))) {
          // A request size cap (GHCR: 4 MiB, sometimes said with a 416): smaller chunks, remembered per registry.
          if (chunk <= MIN_CHUNK) throw error;
          chunk = Math.max(MIN_CHUNK, Math.floor(chunk / 2));
          http.abilities.maxRequestBytes = chunk;
          await resync(error);
          continue;
        }
        if (response.status === 416 || error.temporary) {
          await resync(error);
          continue;
        }
        if ((response.status === 405 || response.status === 501) && offset === 0) {
          // PATCH not supported here (spec-checklist.md §3.1): monolithic from now on, for this registry.
          http.abilities.chunkedBroken = true;
          continue;
        }
        throw error;
      } catch (error) {
        const e = toOciError(error, "NETWORK");
        if (e.code === "NETWORK" || e.code === "TIMEOUT") {
          await resync(e);
          continue;
        }
        throw e;
      }
    }
  } catch (error) {
    const e = signal.aborted
      ? new OciError("ABORTED", "the upload was aborted", { cause: error })
      : toOciError(error, "NETWORK");
    if (e.code === "ABORTED" || e.temporary) {
      // Interrupted, not refused: keep the session so the same push resumes it.
      await context.uploads.set(key, session.location, session.offset);
      throw e;
    }
    await cancelSession(context, session.location, push);
    await context.uploads.delete(key);
    throw e;
  } finally {
    chunkSignal.release();
  }
  await context.uploads.delete(key);
  report.at(expected.size);
  return "uploaded";
}

interface Session {
  location: string;
  offset: number;
  minChunk: number;
}

async function resumeSession(
  context: RegistryContext,
  key: string,
  size: number,
  scopes: readonly string[],
  signal: AbortSignal,
): Promise<Session | undefined> {
  const state = await context.uploads.get(key);
  if (!state) return undefined;
  try {
    const status = await uploadStatus(context, state.location, state.offset, size, scopes, signal);
    if (status) {
      context.logger.info(`resuming an upload at byte ${status.offset}`, { location: redact(state.location) });
      return { location: status.location, offset: status.offset, minChunk: 0 };
    }
  } catch (error) {
    if (isOciError(error) && error.code === "ABORTED") throw error;
  }
  await context.uploads.delete(key);
  return undefined;
}

/** Starts a session (optionally a mount). `done` when a mount completed with 201. */
async function startSession(
  context: RegistryContext,
  repository: string,
  mount: { mount: string; from: string } | undefined,
  signal: AbortSignal,
): Promise<{ done: true; digest: string | null } | { done: false; session: Session }> {
  const { http } = context;
  const query = mount ? `?mount=${encodeURIComponent(mount.mount)}&from=${encodeURIComponent(mount.from)}` : "";
  const scopes = [repositoryScope(repository, PULL, PUSH)];
  if (mount) scopes.push(repositoryScope(mount.from, PULL));
  const url = http.url(`${repository}/blobs/uploads/${query}`);
  // A transport never re-sends a POST (not idempotent in general), but this one only opens a session: one
  // opened twice is abandoned and purged by the registry. So a POST whose connection died (a keep-alive
  // connection the registry closed as we reused it, seen with 8 processes pushing at once) is sent again.
  let response: Awaited<ReturnType<typeof http.send>>;
  for (let attempt = 1; ; attempt++) {
    try {
      response = await http.send({ method: "POST", url, headers: { "content-length": "0" }, scopes, signal });
      break;
    } catch (error) {
      if (!isOciError(error) || error.code !== "NETWORK" || attempt >= 3 || signal.aborted) throw error;
      context.logger.warn(`starting an upload failed (${error.message}); trying again`);
    }
  }
  await discard(response);
  if (mount && response.status === 201) return { done: true, digest: response.headers.get("docker-content-digest") };
  if (response.status !== 202) {
    if (mount && (response.status === 401 || response.status === 403)) {
      // Harbor answers 401 on a mount the user cannot read (spec-checklist.md §3.2): upload instead.
      context.logger.info("mount refused, uploading instead", { from: mount.from });
      return startSession(context, repository, undefined, signal);
    }
    throw await http.error(response, "POST", url, "BLOB_UPLOAD_INVALID");
  }
  const location = response.headers.get("location");
  if (!location) throw new OciError("PROTOCOL", "the registry started an upload without a Location");
  const min = Number(response.headers.get("oci-chunk-min-length") ?? 0);
  return {
    done: false,
    session: {
      location: resolveLocation(location, url, http.base),
      offset: 0,
      minChunk: Number.isSafeInteger(min) && min > 0 ? min : 0,
    },
  };
}

/** Where an upload stands: `GET <location>` → 204 with Range. Undefined when the session is gone. */
async function uploadStatus(
  context: RegistryContext,
  location: string,
  known: number,
  size: number,
  scopes: readonly string[],
  signal: AbortSignal,
): Promise<{ location: string; offset: number } | undefined> {
  // The session's requests need the push token: with no scope, a token registry answers 401, and a PUT whose
  // body is a stream cannot be replayed after the challenge.
  const response = await context.http.send({ method: "GET", url: location, scopes, signal });
  await discard(response);
  if (response.status !== 204 && response.status !== 200) return undefined;
  const end = rangeEnd(response.headers.get("range"));
  // distribution 2.8.2 says `Range: 0-0` both for 0 bytes and for 1 byte (registry-recipes.md §10.4): with what
  // we know was acknowledged, 0-0 means 1 only if we had sent at least one byte.
  const offset = end === undefined ? 0 : end === 0 ? (known >= 1 ? 1 : 0) : end + 1;
  if (offset > size) throw overclaim(offset, size);
  return { location: nextLocation(response, location, context.http.base), offset };
}

/** The final PUT, carrying the bytes from `offset` (all of them for a monolithic upload, none after chunks). */
async function put(
  context: RegistryContext,
  location: string,
  expected: Descriptor,
  offset: number,
  bodies: Bodies,
  scopes: readonly string[],
  signal: AbortSignal,
): Promise<string | null> {
  const length = expected.size - offset;
  const url = `${location}${location.includes("?") ? "&" : "?"}digest=${encodeURIComponent(expected.digest)}`;
  const response = await context.http.send({
    method: "PUT",
    url,
    headers: { "content-type": "application/octet-stream", "content-length": String(length) },
    body: length > 0 ? await bodies.make(offset, expected.size) : null,
    scopes,
    signal,
  });
  if (response.status !== 201) throw await context.http.error(response, "PUT", url, "BLOB_UPLOAD_INVALID");
  await discard(response);
  return response.headers.get("docker-content-digest");
}

/**
 * Makes request bodies for byte ranges of the source, reporting progress as the transport reads them. A one-shot
 * source's chunk is buffered (up to a chunk's size) and kept, so that a resync can send it, or its tail, again.
 */
class Bodies {
  #kept: { start: number; bytes: Uint8Array<ArrayBuffer> } | undefined;
  readonly #source: BlobSource;
  readonly #report: BlobReport;

  constructor(source: BlobSource, report: BlobReport) {
    this.#source = source;
    this.#report = report;
  }

  async make(start: number, end: number): Promise<ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer>> {
    const kept = this.#kept;
    if (kept && start >= kept.start && end <= kept.start + kept.bytes.byteLength) {
      this.#report.moved(end - start);
      return kept.bytes.subarray(start - kept.start, end - kept.start);
    }
    const stream = await this.#source.range(start, end);
    if (!this.#source.seekable && end - start <= MAX_BUFFERED) {
      const bytes = await bufferOf(stream, end - start);
      this.#kept = { start, bytes };
      // A buffered body counts as moved when handed over: the transport does not say how far it got.
      this.#report.moved(bytes.byteLength);
      return bytes;
    }
    let sent = start;
    const report = this.#report;
    return stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          sent += chunk.byteLength;
          report.moved(chunk.byteLength);
          report.at(sent);
          controller.enqueue(chunk);
        },
      }),
    );
  }
}

async function cancelSession(context: RegistryContext, location: string, scopes: readonly string[]): Promise<void> {
  try {
    const response = await context.http.send({ method: "DELETE", url: location, scopes });
    await discard(response);
  } catch {
    // Cancelling is a courtesy (spec main: clients SHOULD, and ignore its failure).
  }
}

/** Whether the repository holds the blob (HEAD). */
async function blobExists(
  context: RegistryContext,
  repository: string,
  expected: Descriptor,
  signal: AbortSignal,
): Promise<boolean> {
  const path = `${repository}/blobs/${expected.digest}`;
  const head = await context.http.send({ method: "HEAD", path, scopes: [repositoryScope(repository, PULL)], signal });
  await discard(head);
  return head.status === 200;
}

/** The content itself was refused or wrong: another session would not change that. */
function isContentError(e: OciError): boolean {
  return e.code === "DIGEST_MISMATCH" || e.code === "SIZE_MISMATCH" || e.code === "DIGEST_INVALID";
}

function checkDigest(digest: string | null, expected: Descriptor): void {
  if (digest && digest !== expected.digest) {
    throw new OciError("DIGEST_MISMATCH", `the registry stored ${digest}, expected ${expected.digest}`, {
      detail: { expected: expected.digest, actual: digest },
    });
  }
}

/** A Range saying the registry holds more than it can: resuming from there would PUT a negative length. */
function overclaim(held: number, most: number): OciError {
  return new OciError("PROTOCOL", `the registry says it holds ${held} bytes of an upload that has at most ${most}`, {
    detail: { held, most },
  });
}

/** The Location of a response (relative ones resolved against the request), else the one we had. */
function nextLocation(response: { headers: Headers }, current: string, base: URL): string {
  const location = response.headers.get("location");
  return location ? resolveLocation(location, current, base) : current;
}

/**
 * Resolves an upload Location against the request URL (GHCR sends relative ones). Only http(s) is accepted, and an
 * https registry may not send us to http: credentials and content would leave TLS.
 */
export function resolveLocation(location: string, requestUrl: string, base: URL): string {
  let url: URL;
  try {
    url = new URL(location, requestUrl);
  } catch {
    throw new OciError("PROTOCOL", `invalid upload Location ${JSON.stringify(location.slice(0, 200))}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new OciError("PROTOCOL", `refusing an upload Location with scheme ${url.protocol}`);
  }
  if (base.protocol === "https:" && url.protocol === "http:") {
    throw new OciError("PROTOCOL", "refusing an upload Location that downgrades https to http");
  }
  assertNotPrivateFromPublic(base, url, "the upload Location");
  // On the registry's own origin (where credentials go), an upload session lives under the API root: a Location
  // whose `..` segments climb out of /v2/ would aim the credentials at another application on the same host.
  const apiRoot = new URL("v2/", base.href.endsWith("/") ? base.href : `${base.href}/`).pathname;
  if (url.origin === base.origin && !url.pathname.startsWith(apiRoot)) {
    throw new OciError("PROTOCOL", `refusing an upload Location outside ${apiRoot}: ${url.pathname.slice(0, 200)}`);
  }
  return url.href;
}

/** The inclusive end of `Range: 0-<end>` (or `bytes=0-<end>`), or undefined. */
function rangeEnd(header: string | null): number | undefined {
  const m = header ? /^(?:bytes=)?0-(\d{1,16})$/.exec(header.trim()) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * A signal that follows `signal`, but `graceMs` late. Requests that should rather complete than leave a session
 * broken (a PATCH) use it; the loop checks the real signal after each of them. `release()` when the upload is over:
 * until then the follower below is kept alive by Node (a composite signal with an abort listener is held strongly
 * until it aborts or the listener goes), and with it everything its listener reaches — ~1.2 KiB and the upload's
 * signal per push, forever, before `release` existed (the soak's heap diff: one `fire` closure per push).
 */
function graceful(signal: AbortSignal, graceMs: number): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    timer = setTimeout(() => controller.abort(signal.reason), graceMs);
    // Do not keep a process alive for the grace period alone.
    (timer as { unref?: () => void }).unref?.();
  };
  if (signal.aborted) {
    controller.abort(signal.reason);
    return { signal: controller.signal, release() {} };
  }
  // Listen on a follower of the signal, not on it: every upload in flight shares it, and Node warns past 10
  // listeners on one AbortSignal. AbortSignal.any() follows its source without a listener on it.
  const follower = AbortSignal.any([signal]);
  follower.addEventListener("abort", fire, { once: true });
  return {
    signal: controller.signal,
    release() {
      follower.removeEventListener("abort", fire);
      // The upload is over: nothing is left for a late abort to let finish.
      clearTimeout(timer);
    },
  };
}
